// Lambda runs nodejs22.x; this machine's Node 20 only draws the SDK's upgrade notice into every test log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * A local Serverless Framework plugin that fixes what serverless-step-functions generates for notifications.
 *
 * An SNS topic has ONE policy: several AWS::SNS::TopicPolicy resources on the same topic overwrite one
 * another (the last applied wins). The step-functions plugin adds one per notification status, each
 * letting events.amazonaws.com publish with no condition (any account's EventBridge rule). serverless.yml
 * declares the topic's one policy (AlertsTopicPolicy, limited to this account's rules), so the plugin's
 * are removed here, after every plugin has compiled the template and the custom resources are merged.
 */
'use strict';

class LakestepHardening {
  constructor(serverless) {
    this.serverless = serverless;
    // after serverless.yml's own resources are merged, before the template is written (also on deploy)
    this.hooks = { 'before:aws:package:finalize:saveServiceState': () => this.dropGeneratedTopicPolicies() };
  }

  dropGeneratedTopicPolicies() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const ours = 'AlertsTopicPolicy';
    const onAlertsTopic = (resource) => JSON.stringify(resource.Properties?.Topics ?? []) === JSON.stringify([{ Ref: 'AlertsTopic' }]);
    if (!resources[ours]) throw new Error(`serverless.yml must declare ${ours}: the alerts topic's one policy`);
    for (const [id, resource] of Object.entries(resources)) {
      if (id !== ours && resource.Type === 'AWS::SNS::TopicPolicy' && onAlertsTopic(resource)) delete resources[id];
    }
  }
}

module.exports = LakestepHardening;

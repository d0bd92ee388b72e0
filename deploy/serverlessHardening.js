/**
 * A local Serverless Framework plugin: checks the stage parameters a template cannot check, and fixes what
 * serverless-step-functions generates for notifications.
 *
 * Transient EMR mode needs `emrSubnetId`: AmazonEMRServicePolicy_v2 launches instances only into a subnet
 * (and security groups) tagged `for-use-with-amazon-emr-managed-policies=true`, and EMR's default-VPC subnet
 * is not tagged, so without it every cluster would fail to start — refused at package time instead.
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
    this.hooks = {
      'before:package:initialize': () => this.checkParams(),
      'before:aws:package:finalize:saveServiceState': () => this.dropGeneratedTopicPolicies(),
    };
  }

  checkParams() {
    const { emrClusterId, emrSubnetId } = this.serverless.service.custom;
    if (!emrClusterId && !/^subnet-[0-9a-f]{8,17}$/.test(emrSubnetId ?? '')) {
      throw new Error(
        `transient EMR mode (emrClusterId empty) needs --param emrSubnetId=subnet-…, got ${JSON.stringify(emrSubnetId ?? '')}: ` +
          'a subnet whose subnet and VPC carry the tag for-use-with-amazon-emr-managed-policies=true (AmazonEMRServicePolicy_v2 launches only there; see README "Deploy")',
      );
    }
  }

  dropGeneratedTopicPolicies() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const ours = 'AlertsTopicPolicy';
    const onAlertsTopic = (resource) =>
      JSON.stringify(resource.Properties?.Topics ?? []) === JSON.stringify([{ Ref: 'AlertsTopic' }]);
    if (!resources[ours]) throw new Error(`serverless.yml must declare ${ours}: the alerts topic's one policy`);
    for (const [id, resource] of Object.entries(resources)) {
      if (id !== ours && resource.Type === 'AWS::SNS::TopicPolicy' && onAlertsTopic(resource)) delete resources[id];
    }
  }
}

module.exports = LakestepHardening;

/**
 * The IAM policies of a packaged CloudFormation template as AWS would hold them after a deploy: every
 * intrinsic (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If over the template's own Conditions) resolved to
 * concrete names and ARNs in one fixed account and region, so an IAM policy simulator can evaluate them.
 */
import type { Template } from './serverlessPackage';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};
const NO_VALUE = Symbol('AWS::NoValue');

export class TemplateResolver {
  private readonly conditions = new Map<string, boolean>();

  constructor(private readonly t: Template) {}

  /** A resource's physical name (what Ref gives for buckets, tables, roles, …; the ARN for a topic). */
  ref(id: string): string {
    if (PSEUDO[id]) return PSEUDO[id];
    const r = this.t.Resources[id];
    if (!r) throw new Error(`Ref to unknown resource ${id}`);
    const p = r.Properties ?? {};
    const name = (key: string) => this.value(p[key]) as string;
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return name('BucketName');
      case 'AWS::DynamoDB::Table':
        return name('TableName');
      case 'AWS::IAM::Role':
        return name('RoleName');
      case 'AWS::IAM::InstanceProfile':
        return name('InstanceProfileName');
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${REGION}:${ACCOUNT}:${name('TopicName')}`;
      case 'AWS::KMS::Key':
        return `key-${id.toLowerCase()}`;
      case 'AWS::Glue::Database':
        return this.value(p.DatabaseInput.Name) as string;
      default:
        throw new Error(`Ref of ${r.Type} (${id}) is not modelled`);
    }
  }

  /** `Fn::GetAtt [id, Arn]` */
  arn(id: string): string {
    const r = this.t.Resources[id];
    switch (r?.Type) {
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${this.ref(id)}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${this.ref(id)}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${this.ref(id)}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${this.ref(id)}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${this.value(r.Properties.FunctionName)}`;
      default:
        throw new Error(`Fn::GetAtt ${id}.Arn of ${r?.Type} is not modelled`);
    }
  }

  condition(name: string): boolean {
    if (!this.conditions.has(name)) this.conditions.set(name, Boolean(this.value(this.t.Conditions[name])));
    return this.conditions.get(name)!;
  }

  /** Resolves every intrinsic in `v`; AWS::NoValue entries are dropped from arrays and objects. */
  value(v: Json): Json {
    if (Array.isArray(v)) return v.map((x) => this.value(x)).filter((x) => x !== NO_VALUE);
    if (!v || typeof v !== 'object') return v;
    const [key] = Object.keys(v);
    const arg = v[key];
    if (Object.keys(v).length === 1) {
      if (key === 'Ref') return arg === 'AWS::NoValue' ? NO_VALUE : this.ref(arg);
      if (key === 'Fn::GetAtt') return this.arn(arg[0]);
      if (key === 'Fn::Join') return (this.value(arg[1]) as string[]).join(arg[0]);
      if (key === 'Fn::If') return this.value(this.condition(arg[0]) ? arg[1] : arg[2]);
      if (key === 'Fn::Equals') return this.value(arg[0]) === this.value(arg[1]);
      if (key === 'Fn::Not') return !this.value(arg[0]);
      if (key === 'Condition') return this.condition(arg);
      if (key === 'Fn::Sub') {
        const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
        return (text as string).replace(/\$\{([^}!]+)\}/g, (_, name: string) =>
          name in vars ? this.value(vars[name]) : name.includes('.') ? this.arn(name.split('.')[0]) : this.ref(name),
        );
      }
    }
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) {
      const resolved = this.value(x);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }

  /** A role's inline policies, resolved; `undefined` when the role's Condition is false (not deployed). */
  rolePolicies(
    roleId: string,
  ): { name: string; principalArn: string; policies: { name: string; policy: Json }[] } | undefined {
    const r = this.t.Resources[roleId];
    if (!r || r.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role of the template`);
    if (r.Condition && !this.condition(r.Condition)) return undefined;
    const policies = (r.Properties.Policies ?? []).map((p: Json) => ({
      name: p.PolicyName,
      policy: this.value(p.PolicyDocument),
    }));
    return { name: this.ref(roleId), principalArn: this.arn(roleId), policies };
  }
}

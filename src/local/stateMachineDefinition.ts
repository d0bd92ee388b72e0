/**
 * Loads `statemachines/pipeline.asl.yml` and resolves what serverless-step-functions resolves at
 * deploy time: `Fn::GetAtt: [<function>, Arn]` (a Lambda of functions/), `Ref: <resource>` and
 * `Fn::Sub` of the partition (`arn:${AWS::Partition}:states:::sns:publish`; locally the `aws` partition).
 * The local runner and the asl-validator test read the definition through this one function; the file's shape and
 * its walk over nested Maps are pipeline/stateMachineFile.ts (the cost estimate reads it too).
 */
import { type AslDefinition, DEFINITION_PATH, readDefinition } from '../pipeline/stateMachineFile';

/** An ARN in the local runner's made-up account: the one place its region and account are written. */
export const localArn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:000000000000:${resource}`;

/** The ARN a local definition gives a Lambda of functions/<name>/. */
export const localFunctionArn = (name: string) => localArn('lambda', `function:lakestep-local-${name}`);
/** The function name of a local Lambda ARN, or undefined for other resources. */
export const functionOfArn = (arn: string) => /:function:lakestep-local-([A-Za-z0-9]+)$/.exec(arn)?.[1];

/** The definition with intrinsic references resolved to local ARNs. @throws on an unknown intrinsic */
export function loadDefinition(path = DEFINITION_PATH): AslDefinition {
  return resolveIntrinsics(readDefinition(path)) as AslDefinition;
}

function resolveIntrinsics(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(resolveIntrinsics);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node);
  if (entries.length === 1 && entries[0][0] === 'Fn::GetAtt') {
    const [name, attribute] = entries[0][1] as [string, string];
    if (attribute !== 'Arn') throw new Error(`unsupported Fn::GetAtt attribute ${attribute} of ${name}`);
    return localFunctionArn(name);
  }
  if (entries.length === 1 && entries[0][0] === 'Ref') return localArn('sns', `lakestep-local-${entries[0][1]}`);
  if (entries.length === 1 && entries[0][0] === 'Fn::Sub' && typeof entries[0][1] === 'string') {
    const text = entries[0][1].replace(/\$\{AWS::Partition\}/g, 'aws');
    if (text.includes('${'))
      throw new Error(`unsupported Fn::Sub variable in ${JSON.stringify(node)} (only \${AWS::Partition})`);
    return text;
  }
  if (entries.some(([key]) => key.startsWith('Fn::')))
    throw new Error(`unsupported intrinsic in ${JSON.stringify(node)}`);
  return Object.fromEntries(entries.map(([key, value]) => [key, resolveIntrinsics(value)]));
}

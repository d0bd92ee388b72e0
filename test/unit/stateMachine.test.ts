import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import * as errors from '../../src/core/errors';
import { MIN_POLL_SECONDS } from '../../src/core/stepPolling';
import { LAMBDA_FACTORIES } from '../../src/local/localHandlers';
import { functionOfArn, loadDefinition } from '../../src/local/stateMachineDefinition';
import { DEFINITION_PATH, statesOfType, taskStates, type AslState } from '../../src/pipeline/stateMachineFile';
import { LAMBDA_FOLDERS } from '../helpers/lambdaFolders';

const definition = loadDefinition();

function allStates(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...allStates(state.ItemProcessor?.States ?? {}),
  ]);
}

/** The export phase's Tasks: their failure does not fail the execution before its days commit. */
const EXPORT_PHASE = ['LaunchExports', 'CheckExports'];

describe('statemachines/pipeline.asl.yml', () => {
  it('passes asl-validator', () => {
    const { isValid, errorsText } = aslValidator(JSON.parse(JSON.stringify(definition)));

    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('names a Lambda of functions/ in every Lambda Task, and every function is used (cleanupExecution by EventBridge)', () => {
    const named = Object.values(taskStates(definition))
      .map((s) => functionOfArn(s.Resource ?? ''))
      .filter((n): n is string => n !== undefined);
    const folders = LAMBDA_FOLDERS.filter((f) => f !== 'cleanupExecution');

    expect(new Set(named)).toEqual(new Set(folders));
    expect(new Set(Object.keys(LAMBDA_FACTORIES))).toEqual(new Set(folders));
  });

  it('finds the Wait states at every depth (the local runner shortens each of them)', () => {
    expect(Object.keys(statesOfType(definition, 'Wait')).sort()).toEqual([
      'WaitForCrawler',
      'WaitForExports',
      'WaitForExportsStart',
      'WaitForStep',
      'WaitForStepStart',
    ]);
  });

  it('polls the export step as a transform step, and a failed export phase still goes on to commit the days', () => {
    const waits = statesOfType(definition, 'Wait');
    const tasks = taskStates(definition);

    expect(definition.States.TransformPhases.Next).toBe('LaunchExports');
    expect(waits.WaitForExportsStart).toMatchObject({ Seconds: MIN_POLL_SECONDS, Next: 'CheckExports' });
    expect(tasks.CheckExports.ResultPath).toBe('$.exportStatus');
    expect(waits.WaitForExports).toMatchObject({ SecondsPath: '$.exportStatus.pollSeconds', Next: 'CheckExports' });
    for (const name of EXPORT_PHASE)
      expect(tasks[name].Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.exportPhaseError', Next: 'TerminateCluster' },
      ]);
  });

  it("polls a step first after MIN_POLL_SECONDS, then as CheckStep's pollSeconds says (the backoff)", () => {
    const waits = statesOfType(definition, 'Wait');
    const tasks = taskStates(definition);

    expect(tasks.LaunchStep.Next).toBe('WaitForStepStart');
    expect(waits.WaitForStepStart).toMatchObject({ Seconds: MIN_POLL_SECONDS, Next: 'CheckStep' });
    expect(tasks.CheckStep.ResultPath).toBe('$.status');
    expect(waits.WaitForStep).toMatchObject({ SecondsPath: '$.status.pollSeconds', Next: 'CheckStep' });
  });

  it('sets TimeoutSeconds on every Task (the local runner times out at 60 s without it, AWS never)', () => {
    const missing = Object.entries(taskStates(definition)).filter(([, s]) => typeof s.TimeoutSeconds !== 'number');

    expect(missing.map(([name]) => name)).toEqual([]);
  });

  it("names only lakestep's own error classes or AWS's in ErrorEquals", () => {
    const names = allStates(definition.States).flatMap(([, s]) =>
      [
        ...((s.Retry as { ErrorEquals: string[] }[]) ?? []),
        ...((s.Catch as { ErrorEquals: string[] }[]) ?? []),
      ].flatMap((r) => r.ErrorEquals),
    );
    // AWS's: States.*, Lambda.* (Lambda Tasks), StepFunctions.* (the states:startExecution integration)
    const ours = names.filter(
      (n) => !n.startsWith('States.') && !n.startsWith('Lambda.') && !n.startsWith('StepFunctions.'),
    );

    expect(ours.length).toBeGreaterThan(0);
    for (const name of ours) expect(Object.keys(errors)).toContain(name);
  });

  it('catches every failure of the main path into the failure path', () => {
    const failurePath = new Set([
      'RecordFailure',
      'FallbackAlert',
      'HasClusterAfterFailure',
      'TerminateClusterAfterFailure',
      'ReleaseLockAfterFailure',
      'NotifyFailure',
      'RunFailed',
    ]);
    const uncaught = Object.entries(definition.States)
      .filter(([name, s]) => ['Task', 'Map'].includes(s.Type) && !failurePath.has(name) && !EXPORT_PHASE.includes(name))
      .filter(
        ([, s]) =>
          !((s.Catch as { ErrorEquals: string[]; Next: string }[]) ?? []).some(
            (c) => c.ErrorEquals.includes('States.ALL') && c.Next === 'RecordFailure',
          ),
      );

    expect(uncaught.map(([name]) => name)).toEqual([]);
  });

  it('retries every Lambda Task on Lambda service errors, the client execution timeout included', () => {
    const lambdaTasks = Object.entries(taskStates(definition)).filter(([, s]) => functionOfArn(s.Resource ?? ''));
    const without = lambdaTasks.filter(
      ([, s]) =>
        !((s.Retry as { ErrorEquals: string[] }[]) ?? []).some(
          (r) =>
            r.ErrorEquals.includes('Lambda.ClientExecutionTimeoutException') || r.ErrorEquals.includes('States.ALL'),
        ),
    );

    expect(lambdaTasks.length).toBeGreaterThan(10);
    expect(without.map(([name]) => name)).toEqual([]);
  });

  it('writes no ARN with a fixed partition: service integrations use ${AWS::Partition} (aws-cn, aws-us-gov)', () => {
    const text = readFileSync(DEFINITION_PATH, 'utf8');

    expect(text.match(/arn:aws[a-z-]*:/g) ?? []).toEqual([]);
    expect(definition.States.NotifyFailure.Resource).toBe('arn:aws:states:::sns:publish'); // locally, the aws partition
    expect(definition.States.ContinueRun.Resource).toBe('arn:aws:states:::states:startExecution');
  });
});

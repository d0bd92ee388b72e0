/**
 * The state machine file as written (`statemachines/pipeline.asl.yml`): its path, the shape of its states, and a
 * walk over nested Map processors. Intrinsics (`Fn::GetAtt`, `Ref`, `Fn::Sub`) are left as they are: the cost
 * estimate (costInputs.ts, also in the CommitLedger Lambda) reads only names, types and Wait seconds; the local
 * runner resolves them (local/stateMachineDefinition.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../config/config';

export const DEFINITION_PATH = resolve(PACKAGE_ROOT, 'statemachines/pipeline.asl.yml');

export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}
export interface AslState {
  Type: string;
  Resource?: string;
  ItemProcessor?: { States: Record<string, AslState> };
  [field: string]: unknown;
}

/** The definition as the file holds it (YAML parsed, intrinsics unresolved). @throws on unreadable or invalid YAML */
export function readDefinition(path = DEFINITION_PATH): AslDefinition {
  return parse(readFileSync(path, 'utf8')) as AslDefinition;
}

/** Every state of `type`, at any depth of nested Map processors: name → state. */
export function statesOfType(definition: { States: Record<string, AslState> }, type: string): Record<string, AslState> {
  const found: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === type) found[name] = state;
    if (state.ItemProcessor) Object.assign(found, statesOfType(state.ItemProcessor, type));
  }
  return found;
}

/** Every Task state, nested Map processors included: name → state. */
export const taskStates = (definition: { States: Record<string, AslState> }) => statesOfType(definition, 'Task');

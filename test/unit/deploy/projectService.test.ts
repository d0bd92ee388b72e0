import { lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeService, SERVICE_PARTS, stageProjectService } from '../../../deploy/projectService';
import { initProject } from '../../../src/cli/initCommand';
import { PACKAGE_ROOT } from '../../../src/config/project';
import { lakestep } from '../../helpers/cli';

describe('stageProjectService', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lakestep-project-service-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("links lakestep's service and holds the project's config and stage SQL at its root; removing it leaves lakestep whole", () => {
    const project = initProject(join(dir, 'demo'));

    const service = stageProjectService(project);

    try {
      for (const folder of SERVICE_PARTS.folders) {
        expect(lstatSync(join(service, folder)).isSymbolicLink()).toBe(true);
        expect(realpathSync(join(service, folder))).toBe(realpathSync(join(PACKAGE_ROOT, folder)));
      }
      expect(readFileSync(join(service, 'serverless.yml'), 'utf8')).toBe(
        readFileSync(join(PACKAGE_ROOT, 'serverless.yml'), 'utf8'),
      );
      expect(readFileSync(join(service, 'lakestep.config.yml'), 'utf8')).toBe(
        readFileSync(join(project, 'lakestep.config.yml'), 'utf8'),
      );
      expect(readdirSync(join(service, 'spark', 'sql'))).toEqual(['events.sql']);
    } finally {
      removeService(service);
    }
    expect(readdirSync(join(PACKAGE_ROOT, 'functions')).length).toBeGreaterThan(0);
  });

  it('refuses a project whose config is invalid before making anything, naming the key', () => {
    const project = initProject(join(dir, 'demo'));
    writeFileSync(join(project, 'lakestep.config.yml'), 'datasets:\n  events:\n    stage: sql/events.sql\n');

    expect(() => stageProjectService(project)).toThrow(/datasets\.events/);
  });
});

describe('lakestep deploy (arguments)', () => {
  it('refuses a stage name S3 would refuse, as bad input (exit 1), before packaging anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakestep-deploy-args-'));
    const project = initProject(join(dir, 'demo'));

    const result = await lakestep('--project', project, 'deploy', '--stage', 'Prod', '--package-only');

    rmSync(dir, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: --stage: "Prod" is not a stage name');
  });
});

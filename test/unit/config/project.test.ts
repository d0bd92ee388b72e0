import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLake, findProject, PACKAGE_ROOT, projectOption, projectRoot } from '../../../src/config/project';

describe('findProject', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-project-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the nearest folder holding lakestep.config.yml, walking up from a subfolder', () => {
    const project = join(dir, 'demo');
    mkdirSync(join(project, 'spark', 'sql'), { recursive: true });
    writeFileSync(join(project, 'lakestep.config.yml'), 'datasets: {}\n');

    expect(findProject(join(project, 'spark', 'sql'))).toBe(project);
    expect(findProject(project)).toBe(project);
  });

  it('names every folder it searched and suggests lakestep init when none holds a config', () => {
    const nowhere = join(dir, 'empty', 'deeper');
    mkdirSync(nowhere, { recursive: true });

    expect(() => findProject(nowhere)).toThrow(`no lakestep.config.yml in ${nowhere}, ${join(dir, 'empty')}, ${dir}`);
    expect(() => findProject(nowhere)).toThrow('start one with `lakestep init DIR`');
  });

  it('uses the bundled Synapse example in the lakestep checkout itself', () => {
    expect(findProject(PACKAGE_ROOT)).toBe(projectRoot());
    expect(findProject(join(PACKAGE_ROOT, 'src', 'cli'))).toBe(projectRoot());
  });
});

describe('projectOption', () => {
  it('refuses a folder without lakestep.config.yml, naming it', () => {
    expect(() => projectOption(tmpdir())).toThrow(`--project: ${tmpdir()} holds no lakestep.config.yml`);
  });
});

describe('defaultLake', () => {
  it('is $LAKESTEP_LAKE when set, else <project>/lake', () => {
    expect(defaultLake('/p', {})).toBe('/p/lake');
    expect(defaultLake('/p', { LAKESTEP_LAKE: 'elsewhere' })).toBe('elsewhere');
    // the checkout's bundled example keeps the checkout's ./lake
    expect(defaultLake(join(PACKAGE_ROOT, 'examples/synapse'), {})).toBe(join(PACKAGE_ROOT, 'lake'));
  });
});

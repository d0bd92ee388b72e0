import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/config';
import { initProject } from '../../../src/cli/initCommand';

describe('initProject', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-init-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a config with the starter dataset events, its stage SQL, a .gitignore for the lake and a README', () => {
    const project = initProject(join(dir, 'demo'));

    const config = loadConfig(join(project, 'lakestep.config.yml'));
    expect(Object.keys(config.datasets)).toEqual(['events']);
    expect(config.datasets.events.columns.eventTime).toEqual({ type: 'timestamp', path: 'event.at', unit: 'ms' });
    expect(config.datasets.events.stage).toBe('spark/sql/events.sql');
    expect(existsSync(join(project, 'spark/sql/events.sql'))).toBe(true);
    expect(readFileSync(join(project, '.gitignore'), 'utf8')).toContain('lake/');
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toContain('lakestep sample');
    expect(existsSync(join(project, 'gitignore'))).toBe(false);
  });

  it('uses an empty folder that exists', () => {
    mkdirSync(join(dir, 'empty'));

    initProject(join(dir, 'empty'));

    expect(readdirSync(join(dir, 'empty')).sort()).toEqual(['.gitignore', 'README.md', 'lakestep.config.yml', 'spark']);
  });

  it('refuses a folder that is not empty, naming what is in it, and writes nothing', () => {
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'mine');

    expect(() => initProject(mine)).toThrow(`DIR: ${mine} is not empty (notes.txt); expected a new or empty folder`);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
  });
});

import { changedDaysByTable, dueExports } from '../../../src/core/completion';

describe('changedDaysByTable', () => {
  it('lists each table once with its days sorted and distinct, tables by name', () => {
    const outputs = [
      { dataset: 'project_downloads_daily', day: '2024-03-06' },
      { dataset: 'access_records', day: '2024-03-05' },
      { dataset: 'access_records', day: '2024-03-04' },
      { dataset: 'project_downloads_daily', day: '2024-03-06' },
    ];

    expect(changedDaysByTable(outputs)).toEqual({
      access_records: ['2024-03-04', '2024-03-05'],
      project_downloads_daily: ['2024-03-06'],
    });
    expect(Object.keys(changedDaysByTable(outputs))).toEqual(['access_records', 'project_downloads_daily']);
  });

  it('is empty when nothing was committed', () => {
    expect(changedDaysByTable([])).toEqual({});
  });
});

describe('dueExports', () => {
  const exports = {
    weekly: { name: 'weekly', reads: ['client_share_4w'] },
    downloads: { name: 'downloads', reads: ['file_downloads', 'project_downloads_daily'] },
  };

  it('takes the exports that read a table with a changed day, by name', () => {
    expect(dueExports(exports, { project_downloads_daily: ['2024-03-05'] }).map((e) => e.name)).toEqual(['downloads']);
    expect(
      dueExports(exports, { client_share_4w: ['2024-03-04'], file_downloads: ['2024-03-05'] }).map((e) => e.name),
    ).toEqual(['downloads', 'weekly']);
  });

  it('takes none when the changed tables are read by no export', () => {
    expect(dueExports(exports, { access_records: ['2024-03-05'] })).toEqual([]);
  });
});

/**
 * Builds realistic Synapse repository access records as compact JSON text, the way the
 * repository service emits them to Firehose (camelCase fields, epoch-ms `timestamp`, an
 * undeclared `date` field, optional fields sometimes absent and sometimes `null`).
 *
 * Speed matters (the bench writes millions): a record is assembled by string concatenation from
 * fragments JSON-encoded once at load, never by JSON.stringify per record.
 * Over 300 lines: mostly the vocabulary (agents, URL mixes) a record draws from, kept with the builder that uses it.
 */
import { hex8, type Rng } from '../../../src/sample/rng';

/** Which URL mix a user agent draws from. */
type Profile = 'web' | 'python' | 'r' | 'java' | 'elb' | 'stack' | 'other';

interface Agent {
  /** `,"userAgent":…` fragment ('' = field absent) */
  json: string;
  profile: Profile;
  weight: number;
}

const agentJson = (ua: string | null | undefined) => (ua === undefined ? '' : `,"userAgent":${JSON.stringify(ua)}`);

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36';
const SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15';
const FIREFOX = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0';

/** Real-world user agents seen in Synapse access records, weighted roughly as in production. */
const AGENTS: Agent[] = (
  [
    ['Synapse-Web-Client/524.0', 'web', 14],
    ['Synapse-Java-Client/524.0  Synapse-Web-Client/524.0', 'web', 10],
    [CHROME, 'web', 10],
    [SAFARI, 'web', 3],
    [FIREFOX, 'web', 3],
    ['Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18', 'web', 0.2],
    ['Lynx/2.8.9rel.1 libwww-FM/2.14 SSL-MM/1.4.1 OpenSSL/1.1.1d', 'web', 0.1],
    ['monochrome-crawler/1.2', 'web', 0.1], // contains "chrome" inside a word: WEB by the reference's rule
    ['synapseclient/2.7.2 python-requests/2.31.0', 'python', 14],
    ['synapseclient/4.3.0 python-requests/2.32.3', 'python', 8],
    ['synapsecommandlineclient synapseclient/2.7.2 python-requests/2.31.0', 'python', 4],
    ['synapsecommandlineclient synapseclient/4.3.0 python-requests/2.32.3', 'python', 2],
    ['synapser/1.3.0 synapseclient/2.7.2 python-requests/2.31.0', 'r', 4],
    ['synapseRClient/1.15-0', 'r', 0.5],
    ['Synapse-Java-Client/524.0', 'java', 3],
    ['Synpase-Java-Client/98.0-2-g4a6d1b2', 'java', 0.2], // the old misspelling, still in the wild
    ['ELB-HealthChecker/2.0', 'elb', 6],
    ['SynapseRepositoryStack/524.0', 'stack', 2],
    ['python-requests/2.31.0', 'other', 1],
    ['curl/8.4.0', 'other', 0.5],
    ['', 'other', 0.5],
    [null, 'other', 0.3],
    [undefined, 'other', 0.8],
  ] as [string | null | undefined, Profile, number][]
).map(([ua, profile, weight]) => ({ json: agentJson(ua), profile, weight }));
const AGENT_WEIGHTS = AGENTS.map((a) => a.weight);
const AGENT_TOTAL = AGENT_WEIGHTS.reduce((a, b) => a + b, 0);

const ANONYMOUS_USER = 273950;
const HOST = ',"host":"repo-prod.prod.sagebase.org"';
const STACK = ',"stack":"prod"';
const INSTANCES = ['000000524', '000000524', '000000524', '000000523'];
const AUTH = ['BEARER', 'BEARER', 'SESSIONTOKEN', 'APIKEY', 'BASIC'];
const ERROR_STATUSES = [400, 401, 403, 404, 404, 404, 409, 500, 503];

/**
 * A request that can come with a file download: `kind` says what the downloaded file is attached
 * to, `id` is that object's number as it appears in the URL (a node's syn number, a wiki id, a
 * user id), `fileHandleId` the handle when the URL names one.
 */
export interface DownloadHint {
  kind: 'file' | 'table' | 'wiki' | 'profile';
  id: number;
  fileHandleId?: number;
}

/** One request: method, path, optional query, optional returned object. */
interface Request {
  method: string;
  url: string;
  query?: string;
  returnObjectId?: string;
}

/**
 * Pools drawn once per generator, so entities and users repeat with a skew (a few popular
 * projects, many rarely touched files), as real traffic does.
 */
export class Vocabulary {
  private readonly entities: number[] = [];
  private readonly users: number[] = [];
  private readonly ips: string[] = [];
  private readonly vmIds: string[] = [];
  private readonly wordPool = [
    'AD%20Knowledge%20Portal',
    'DREAM%20Challenge%202024',
    'Round%201',
    'ad-knowledge',
    'nf-osi',
    'ELITE%2DPortal',
    'caf%C3%A9',
  ];

  // What the last record() wrote, for the file-download generator. Plain fields, not an object per
  // record, and never an extra draw from the Rng: the access records stay byte-identical.
  /** `userId` of the last record */
  lastUserId = 0;
  /** `instance` of the last record */
  lastInstance = '';
  /** the last record's request is a successful GET that can come with a download */
  lastDownload: DownloadHint | undefined;
  /**
   * Set by request() for a request that can download. A field, not a member of the returned
   * Request: more object shapes there made every record measurably slower (V8 inline caches).
   */
  private hint: DownloadHint | undefined;

  constructor(private readonly rng: Rng) {
    for (let i = 0; i < 4000; i++) this.entities.push(rng.between(2_000_000, 62_000_000));
    for (let i = 0; i < 1500; i++) this.users.push(rng.between(3_300_000, 3_520_000));
    for (let i = 0; i < 400; i++)
      this.ips.push(`${rng.between(3, 223)}.${rng.int(256)}.${rng.int(256)}.${rng.between(1, 254)}`);
    for (let i = 0; i < INSTANCES.length; i++) this.vmIds.push(rng.hex8() + rng.hex8().slice(0, 4));
  }

  /** The node ids (syn numbers) requests draw from, in popularity order (most popular first); may repeat. */
  entityIds(): readonly number[] {
    return this.entities;
  }

  /** A popular-skewed synapse id number. */
  private entity(): number {
    const r = this.rng.float();
    return this.entities[Math.floor(r * r * r * this.entities.length)];
  }

  private user(): number {
    const r = this.rng.float();
    return this.users[Math.floor(r * r * this.users.length)];
  }

  /** A request a client of `profile` makes. */
  private request(profile: Profile): Request {
    const rng = this.rng;
    const syn = this.entity();
    const v = rng.between(1, 12);
    switch (profile) {
      case 'elb':
        return { method: 'GET', url: '/repo/v1/version' };
      case 'stack':
        return rng.float() < 0.5
          ? { method: 'POST', url: '/repo/v1/asynchronous/job' }
          : { method: 'GET', url: `/repo/v1/entity/syn${syn}/version/${v}`, returnObjectId: `syn${syn}` };
      case 'other': {
        const req = rng.pick<Request>([
          { method: 'GET', url: `/repo/v1/entity/syn${syn}` },
          { method: 'GET', url: '/favicon.ico' }, // no /v1/: INVALID URL
          { method: 'GET', url: '/' },
          { method: 'GET', url: `/repo/v1/entity/SYN${syn}.${v}/file` },
          { method: 'OPTIONS', url: '/auth/v1/login2' },
        ]);
        if (req.url.endsWith('/file')) this.hint = { kind: 'file', id: syn };
        return req;
      }
      default:
        break;
    }
    const r = rng.int(100);
    if (profile === 'python' || profile === 'r' || profile === 'java') {
      if (r < 25) return { method: 'GET', url: `/repo/v1/entity/syn${syn}`, returnObjectId: `syn${syn}` };
      if (r < 40) return { method: 'GET', url: `/repo/v1/entity/syn${syn}/version/${v}`, returnObjectId: `syn${syn}` };
      if (r < 50)
        return {
          method: 'GET',
          url: `/file/v1/fileHandle/${rng.between(10_000_000, 150_000_000)}/url`,
          query: 'redirect=false',
        };
      if (r < 58) return { method: 'POST', url: '/file/v1/fileHandle/batch' };
      if (r < 64) return { method: 'POST', url: '/file/v1/file/multipart', query: 'forceRestart=false' };
      if (r < 68)
        return {
          method: 'POST',
          url: `/file/v1/file/multipart/${rng.between(1_000_000, 9_000_000)}/presigned/url/batch`,
        };
      if (r < 74) return { method: 'PUT', url: `/repo/v1/entity/syn${syn}`, returnObjectId: `syn${syn}` };
      if (r < 78) return { method: 'POST', url: '/repo/v1/entity/children' };
      if (r < 82)
        return { method: 'GET', url: `/repo/v1/entity/md5/${rng.hex8()}${rng.hex8()}${rng.hex8()}${rng.hex8()}` };
      if (r < 85) return { method: 'POST', url: `/repo/v1/entity/syn${syn}/table/query/async/start` };
      if (r < 88) {
        this.hint = { kind: 'table', id: syn };
        return {
          method: 'GET',
          url: `/repo/v1/entity/syn${syn}/table/query/async/get/${rng.between(1_000_000, 9_999_999)}`,
        };
      }
      if (r < 90) return { method: 'DELETE', url: `/repo/v1/entity/syn${syn}` };
      if (r < 92) return { method: 'GET', url: `/repo/v1/entity/${syn}/annotations2` };
      if (r < 94) return { method: 'GET', url: '/repo/v1/userProfile' };
      if (r < 96) return { method: 'POST', url: '/auth/v1/login2' };
      if (r < 98) return { method: 'GET', url: `/repo/v1/evaluation/name/${rng.pick(this.wordPool)}` };
      return { method: 'POST', url: `/repo/v1/entity/syn${syn}%0A/bundle2` }; // an encoded newline, as pasted ids produce
    }
    // web
    if (r < 18) return { method: 'POST', url: `/repo/v1/entity/syn${syn}/bundle2`, returnObjectId: `syn${syn}` };
    if (r < 28) return { method: 'GET', url: `/repo/v1/entity/syn${syn}`, returnObjectId: `syn${syn}` };
    if (r < 34) return { method: 'POST', url: '/repo/v1/entity/header' };
    if (r < 40) {
      const wikiId = rng.between(100_000, 999_999);
      this.hint = { kind: 'wiki', id: wikiId };
      return { method: 'GET', url: `/repo/v1/entity/syn${syn}/wiki2/${wikiId}` };
    }
    if (r < 45) return { method: 'GET', url: `/repo/v1/entity/syn${syn}/acl` };
    if (r < 49) return { method: 'GET', url: `/repo/v1/team/${rng.between(3_300_000, 3_500_000)}` };
    if (r < 50) return { method: 'GET', url: `/repo/v1/team/${rng.between(3_300_000, 3_500_000)})` }; // a stray ')' from a pasted link
    if (r < 53)
      return { method: 'GET', url: `/repo/v1/team/${rng.between(3_300_000, 3_500_000)}/member/${this.user()}` };
    if (r < 58) {
      const profileOf = this.user();
      this.hint = { kind: 'profile', id: profileOf };
      return { method: 'GET', url: `/repo/v1/userProfile/${profileOf}` };
    }
    if (r < 62) return { method: 'GET', url: '/repo/v1/user/bundle', query: 'mask=63' };
    if (r < 66) return { method: 'POST', url: '/repo/v1/search' };
    if (r < 69) return { method: 'GET', url: `/repo/v1/entity/alias/${rng.pick(this.wordPool)}` };
    if (r < 71) return { method: 'GET', url: `/repo/v1/evaluation/name/${rng.pick(this.wordPool)}` };
    if (r < 74)
      return {
        method: 'GET',
        url: `/repo/v1/discussion/forum/${rng.between(1, 9999)}/threads`,
        query: 'limit=20&offset=0&sort=PINNED_AND_LAST_ACTIVITY&ascending=false&filter=NO_FILTER',
      };
    if (r < 77) return { method: 'GET', url: `/repo/v1/entity/syn${syn};jsessionid=${rng.hex8().toUpperCase()}/` };
    if (r < 79)
      return {
        method: 'GET',
        url: `/repo/v1/schema/type/registered/org.sagebionetworks-repo.model.FileEntity-${v}.0.${rng.int(10)}`,
      };
    if (r < 81)
      return { method: 'GET', url: `/repo/v1/accessRequirement/${rng.between(9_600_000, 9_700_000)}/access/status` };
    if (r < 83) return { method: 'POST', url: '/auth/v1/2fa/token' };
    if (r < 86) return { method: 'POST', url: '/auth/v1/oauth2/token' };
    if (r < 88) return { method: 'GET', url: '/auth/v1/oauth2/userinfo' };
    if (r < 90) return { method: 'PUT', url: `/repo/v1/entity/syn${syn}/annotations2`, returnObjectId: `syn${syn}` };
    if (r < 92) return { method: 'DELETE', url: `/repo/v1/favorite/syn${syn}` };
    if (r < 95) {
      const fileHandleId = rng.between(10_000_000, 150_000_000);
      this.hint = { kind: 'file', id: syn, fileHandleId };
      return {
        method: 'GET',
        url: `/file/v1/file/${fileHandleId}`,
        query: `fileAssociateType=FileEntity&fileAssociateId=syn${syn}`,
      };
    }
    if (r < 98) return { method: 'POST', url: `/repo/v1/entity/syn${syn}/table/transaction/async/start` };
    return { method: 'GET', url: '/repo/v1/version' };
  }

  /**
   * One access record as compact JSON.
   * @param sessionJson the `"sessionId":…` member, or '' to leave it out (a planted missing_field)
   * @param timestampMs epoch ms (the event time)
   * @param date the event's UTC day `YYYY-MM-DD` (the service's own, undeclared `date` field)
   */
  record(sessionJson: string, timestampMs: number, date: string): string {
    const rng = this.rng;
    const agent = AGENTS[rng.weighted(AGENT_WEIGHTS, AGENT_TOTAL)];
    this.hint = undefined;
    const req = this.request(agent.profile);
    const anonymous = agent.profile === 'elb' || rng.float() < 0.12;
    const userId = anonymous ? ANONYMOUS_USER : this.user();
    let status = req.method === 'POST' && rng.float() < 0.3 ? 201 : 200;
    if (agent.profile !== 'elb' && rng.float() < 0.06) status = rng.pick(ERROR_STATUSES);
    const inst = rng.int(INSTANCES.length);
    this.lastUserId = userId;
    this.lastInstance = INSTANCES[inst];
    this.lastDownload = status < 400 ? this.hint : undefined;
    const elapseMs = 3 + Math.floor(rng.float() ** 3 * 4000);
    // The KinesisJsonEntityRecord envelope Sage's repository service writes: stack, instance and the
    // time the record was sent (the call's end), then the AccessRecord as its payload.
    let s =
      '{"stack":"prod","instance":"' + INSTANCES[inst] + '","timestamp":' + (timestampMs + elapseMs) + ',"payload":';
    s += '{' + sessionJson + (sessionJson ? ',' : '') + '"timestamp":' + timestampMs;
    s += ',"returnObjectId":' + (req.returnObjectId && status < 400 ? '"' + req.returnObjectId + '"' : 'null');
    s += ',"elapseMS":' + elapseMs;
    s += ',"via":null' + HOST + ',"threadId":' + rng.between(40, 2400) + agent.json;
    if (req.query !== undefined) s += ',"queryString":"' + req.query + '"';
    else if (rng.float() < 0.5) s += ',"queryString":null';
    if (agent.profile !== 'elb' && agent.profile !== 'stack')
      s += ',"xforwardedFor":"' + this.ips[rng.int(this.ips.length)] + '"';
    s += ',"requestURL":"' + req.url + '","userId":' + userId;
    if (agent.profile === 'web') s += ',"origin":"https://www.synapse.org"';
    s +=
      ',"date":"' +
      date +
      '","method":"' +
      req.method +
      '","vmId":"' +
      this.vmIds[inst] +
      '","instance":"' +
      INSTANCES[inst] +
      '"' +
      STACK;
    s += ',"success":' + (status < 400 ? 'true' : 'false') + ',"responseStatus":' + status;
    if (!anonymous) {
      const auth = AUTH[rng.int(AUTH.length)];
      s += ',"authenticationMethod":"' + auth + '"';
      if (auth === 'BEARER' && agent.profile === 'web') s += ',"oauthClientId":"100001"';
      if (auth === 'BASIC') s += ',"basicAuthUsername":"user' + userId + '"';
    }
    return s + '}}';
  }
}

/**
 * A session id shaped like a UUID v4, unique per `serial`: the last 8 hex digits are a bijection
 * of the serial (multiplication by an odd constant mod 2^32), so distinct records can never
 * collide on the dedup key by chance and the expected counts stay exact.
 */
export function sessionId(rng: Rng, serial: number): string {
  const a = rng.u32();
  const b = rng.u32();
  const c = hex8(Math.imul(serial, 0x9e3779b1));
  const ha = hex8(a);
  const hb = hex8(b);
  return `${ha}-${hb.slice(0, 4)}-4${hb.slice(5, 8)}-${'89ab'[a & 3]}${ha.slice(1, 4)}-${hb.slice(4, 8)}${c}`;
}

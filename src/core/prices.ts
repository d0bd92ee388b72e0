/**
 * The one price table of the cost estimate (core/costEstimate.ts): AWS list prices, us-east-1,
 * on-demand, in US dollars. Nothing else in lakestep writes a price. When AWS changes a price, change it
 * here, with the date it was read and the page it was read from.
 */

/** A price and where it comes from. */
export interface Price {
  /** US dollars per `unit` */
  usd: number;
  unit: string;
  source: string;
}

/** EC2 on-demand (Linux) plus EMR's surcharge, US dollars per instance-hour (both billed per second). */
export interface InstancePrice {
  ec2UsdPerHour: number;
  emrUsdPerHour: number;
}

export const PRICES = {
  /** the day the figures below were read */
  asOf: '2024-12-01',
  region: 'us-east-1',
  /** Standard workflows; the free tier (4,000 a month) is not subtracted */
  stateTransition: {
    usd: 0.025 / 1000,
    unit: 'state transition',
    source: 'https://aws.amazon.com/step-functions/pricing/',
  } satisfies Price,
  /** Glue crawler: per DPU-hour, billed per second with a 10-minute minimum per crawler run */
  crawlerDpuHour: { usd: 0.44, unit: 'DPU-hour', source: 'https://aws.amazon.com/glue/pricing/' } satisfies Price,
  crawlerMinimumSeconds: 600,
  /** DynamoDB on-demand: per write request unit (an item up to 1 KB; the ledger's items are smaller) */
  dynamoDbWrite: {
    usd: 0.625 / 1_000_000,
    unit: 'write request unit',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  } satisfies Price,
  /** EMR on EC2: EMR's price is added to EC2's for each instance (about 25 % of it) */
  instances: {
    source: 'https://aws.amazon.com/emr/pricing/ and https://aws.amazon.com/ec2/pricing/on-demand/',
    byType: {
      'm5.xlarge': { ec2UsdPerHour: 0.192, emrUsdPerHour: 0.048 },
      'm5.2xlarge': { ec2UsdPerHour: 0.384, emrUsdPerHour: 0.096 },
      'm5.4xlarge': { ec2UsdPerHour: 0.768, emrUsdPerHour: 0.192 },
      'm6i.xlarge': { ec2UsdPerHour: 0.192, emrUsdPerHour: 0.048 },
      'm6i.2xlarge': { ec2UsdPerHour: 0.384, emrUsdPerHour: 0.096 },
      'r5.xlarge': { ec2UsdPerHour: 0.252, emrUsdPerHour: 0.063 },
      'r5.2xlarge': { ec2UsdPerHour: 0.504, emrUsdPerHour: 0.126 },
      'c5.xlarge': { ec2UsdPerHour: 0.17, emrUsdPerHour: 0.043 },
      'c5.2xlarge': { ec2UsdPerHour: 0.34, emrUsdPerHour: 0.085 },
    } as Record<string, InstancePrice>,
  },
} as const;

export type Prices = typeof PRICES;

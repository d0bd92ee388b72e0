/**
 * LocalClusterManager: the embedded runtime has no cluster to start or stop (steps run in-process on
 * DuckDB or through local spark-submit), so EnsureCluster and TerminateCluster are no-ops here.
 */
import type { ClusterManager } from '../core/ports';

/** The cluster id local steps report; never a real EMR id (those start with `j-`). */
export const LOCAL_CLUSTER_ID = 'local';

export class LocalClusterManager implements ClusterManager {
  async ensure(): Promise<{ clusterId: string; transient: boolean }> {
    return { clusterId: LOCAL_CLUSTER_ID, transient: false };
  }

  async terminate(): Promise<void> {
    // nothing was started
  }
}

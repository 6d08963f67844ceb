/**
 * The KQL of the stack's log alerts. Azure runs each over the rule's window; the queries behind rules that count
 * windows or read 5-minute metrics bin by `TimeGenerated`.
 */

/** Grain of the Managed Redis metrics (PT5M). */
const METRIC_GRAIN = "5m";

/** Failed-request percentage of one Application Insights resource. */
export const ERROR_RATE_QUERY = (appInsightsId: string): string =>
  [
    "AppRequests",
    `| where _ResourceId =~ '${appInsightsId}'`,
    "| summarize Total = count(), Failed = countif(Success == false)",
    "| extend FailedPercent = iff(Total == 0, 0.0, 100.0 * Failed / Total)",
  ].join("\n");

/** p95 server duration (ms) of one Application Insights resource. */
export const P95_QUERY = (appInsightsId: string): string =>
  [
    "AppRequests",
    `| where _ResourceId =~ '${appInsightsId}'`,
    "| summarize P95 = percentile(DurationMs, 95)",
  ].join("\n");

/** p99 server duration (ms) of one Application Insights resource. */
export const P99_QUERY = (appInsightsId: string): string =>
  [
    "AppRequests",
    `| where _ResourceId =~ '${appInsightsId}'`,
    "| summarize P99 = percentile(DurationMs, 99)",
  ].join("\n");

/**
 * Cache hit ratio (%) of one Managed Redis cluster, from the `cachehits` and `cachemisses` metrics (Total, PT5M,
 * exportable through diagnostic settings: Azure Monitor's supported metrics for Microsoft.Cache/redisEnterprise)
 * that the cluster's diagnostic setting sends to the workspace's `AzureMetrics` table. Bins without lookups
 * return no row, so an idle cache does not alert.
 */
export const REDIS_HIT_RATIO_QUERY = (clusterId: string): string =>
  [
    "AzureMetrics",
    `| where ResourceId =~ '${clusterId}'`,
    "| where MetricName in ('cachehits', 'cachemisses')",
    `| summarize Hits = sumif(Total, MetricName == 'cachehits'), Misses = sumif(Total, MetricName == 'cachemisses') by bin(TimeGenerated, ${METRIC_GRAIN})`,
    "| where Hits + Misses > 0",
    "| extend HitPercent = 100.0 * Hits / (Hits + Misses)",
  ].join("\n");

/**
 * Locations that failed the availability test, per test run (one run = one probe from each location per
 * interval, so one bin of the test's frequency). With failing periods counting consecutive bins, the alert fires
 * on N consecutive failed runs, not on N locations of one run.
 */
export const FAILED_RUN_QUERY = (
  appInsightsId: string,
  webTestName: string,
  frequencySeconds: number,
): string =>
  [
    "AppAvailabilityResults",
    `| where _ResourceId =~ '${appInsightsId}' and Name == '${webTestName}'`,
    `| summarize FailedLocations = dcountif(Location, Success == false) by bin(TimeGenerated, ${frequencySeconds}s)`,
  ].join("\n");

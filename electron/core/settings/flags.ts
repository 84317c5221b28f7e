/** Flag names as the CLI takes them (`--cloud-url`), each with its `VPLC_*` variable. */
export const FLAG_ENV = {
  'cloud-url': 'VPLC_CLOUD_URL',
  'provision-url': 'VPLC_PROVISION_URL',
  'mtls-dir': 'VPLC_MTLS_DIR',
  'ca-file': 'VPLC_CA_FILE',
  'data-dir': 'VPLC_DATA_DIR',
  'runtime-image': 'VPLC_RUNTIME_IMAGE',
  'helper-image': 'VPLC_HELPER_IMAGE',
  'internal-pool': 'VPLC_INTERNAL_POOL',
  'log-level': 'VPLC_LOG_LEVEL',
  'ui-port': 'VPLC_UI_PORT',
  'metrics-port': 'VPLC_METRICS_PORT',
  'lock-name': 'VPLC_LOCK_NAME',
  'netmon-socket': 'VPLC_NETMON_SOCKET',
  'docker-config': 'VPLC_DOCKER_CONFIG',
  workers: 'VPLC_WORKERS',
} as const;
export type FlagName = keyof typeof FLAG_ENV;
export type Flags = Partial<Record<FlagName, string>> & { 'no-cloud'?: true; 'no-metrics'?: true };

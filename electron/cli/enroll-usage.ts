import { DEFAULT_PROVISION_URL } from '../core/certs/provision-default.js';

export const ENROLL_USAGE = `usage: vplc-orchestrator enroll [options]

Enrols this PC with the cloud (docs/protocol.md §9): requests an orchestrator id, generates an RSA-4096 key locally,
sends a CSR and stores the issued certificate. Paste the printed id into the Edge web app to link the PC.

options:
  --provision-url URL      provisioning base URL (VPLC_PROVISION_URL; default ${DEFAULT_PROVISION_URL})
  --mtls-dir DIR           credentials directory (VPLC_MTLS_DIR; default ~/.mtls)
  --ca-file FILE           extra CA bundle trusted for the provisioning server (VPLC_CA_FILE)
  --import-key FILE        import an existing key ...
  --import-cert FILE       ... and certificate instead of enrolling (both required)
  --force                  replace a working identity (without it, enrolling or importing over one is refused)
`;

/** The cloud's provisioning service, when neither a flag, a variable nor the settings name another. */
export const DEFAULT_PROVISION_URL = 'https://api.autonomylogic.com';

// The schema lives in shared/ so the API contract can describe settings; the core uses it from here.
export * from '../../../shared/domain/settings.js';

export * from './codes.js';
export * from './lfs-lazy-error.js';

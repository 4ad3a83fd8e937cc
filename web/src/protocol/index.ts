export * from './types';
export * from './rules';
export * from './parse';
export * from './state';
export * from './client';
export * from './session';
export * from './config';

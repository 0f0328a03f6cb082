// @gradual/client: the generated Codama client for the gradual program (instructions with
// PDA resolution, account decoders, errors, types) plus the helpers the IDL cannot express:
// the zero-copy tails of Round and DistributionList, and the shard PDA.
export * from './generated/index.js';
export * from './pdas.js';
export * from './zeroCopy.js';

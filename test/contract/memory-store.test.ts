import { MemoryStore } from '../../src/store/memory-store.js';
import { runObjectStoreContract } from './object-store-contract.js';

runObjectStoreContract('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));

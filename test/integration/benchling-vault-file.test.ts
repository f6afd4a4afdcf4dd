/**
 * Key mode `vault` end to end with the embedded store, the AES-256-GCM key file (the table: test/helpers/vault-table.ts;
 * the same table runs against Secrets Manager in benchling-vault-secrets-manager.test.ts).
 */
import t from 'tap';
import { fileStore, vaultTable } from '../helpers/vault-table.js';

vaultTable(t, fileStore);

/**
 * Key mode `vault` end to end with AWS Secrets Manager, served by moto_server (started here; skipped, saying so,
 * where it is not installed). The table: test/helpers/vault-table.ts, the same as for the key file
 * (benchling-vault-file.test.ts).
 */
import t from 'tap';
import { secretsManagerStore, vaultTable } from '../helpers/vault-table.js';

vaultTable(t, secretsManagerStore);

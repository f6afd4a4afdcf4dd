export { freePort } from '../../scripts/lib/launcher.js';

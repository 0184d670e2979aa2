/** The app over a real store in a temp dir (the health and error tests need no data). */
import { after } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/http/app.js';
import type { BoundAddress } from '../../../src/http/routes/health.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { createAccounts, createInbox } from '../../../src/voicemail/accounts/index.js';
import { LiveEvents } from '../../../src/voicemail/live/live-events.js';
import { MessageActions } from '../../../src/voicemail/messages/message-actions.js';
import { tempStores } from '../../support/voicemail-store.js';

export async function testApp(sipAddresses: () => readonly BoundAddress[] = () => []): Promise<FastifyInstance> {
  const stores = await tempStores();
  const accounts = createAccounts({ store: stores.store });
  const actions = new MessageActions(stores.store, stores.audio, null, silentLogger());
  const app = buildApp({ live: new LiveEvents(), version: '9.9.9', sipAddresses, logger: silentLogger(), accounts, inbox: createInbox({ store: stores.store, audio: stores.audio, actions, audit: accounts.audit }) });
  after(async () => {
    await app.close();
    await stores.close();
  });
  return app;
}

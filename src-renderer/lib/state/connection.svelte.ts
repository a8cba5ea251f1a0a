/** App-wide connection and server information. */
import type { AppInfo } from '../../../src-shared/domain/types';
import { api, onConnection, type ConnectionState } from '../api';

class Connection {
  state = $state<ConnectionState>('connecting');
  /** Increments whenever the event stream comes back after a drop; views reload what they show. */
  reconnects = $state(0);
  info = $state<AppInfo | null>(null);
  started = false;

  start(): void {
    if (this.started) return;
    this.started = true;
    onConnection((state, reconnected) => {
      this.state = state;
      if (reconnected) this.reconnects++;
    });
    api.invoke('app:info', {}).then(
      (info) => (this.info = info),
      () => {},
    );
  }
}

export const connection = new Connection();

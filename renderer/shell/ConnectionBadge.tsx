import { useSyncExternalStore } from 'react';
import { connectionState, onConnectionChange } from '../api/client';
import type { ConnectionState } from '../api/client';

const LABELS: Record<ConnectionState, string> = {
  bridge: 'Desktop app',
  connecting: 'Connecting…',
  open: 'Connected',
  closed: 'Reconnecting…',
};

/** Shows how the UI reaches the backend (Electron bridge or the web host's WebSocket). */
export function ConnectionBadge() {
  // useSyncExternalStore: a change that happens between render and subscription is not missed.
  const state = useSyncExternalStore(onConnectionChange, connectionState);
  return (
    <span className={`connection connection-${state}`} role="status">
      <span className="dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}

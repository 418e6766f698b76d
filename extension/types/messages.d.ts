// What the background tells its content scripts, popup and options page
// (src/background/background.js publicState), and what it keeps in storage.

/** The connection to the agent, as shown in the overlay, the popup and the options page. */
type ConnectionState = 'connecting' | 'offline' | 'unpaired' | 'ready' | 'error';

/** The agent's `welcome`, as much of it as the pages show. */
interface AgentSummary {
  name?: string;
  version?: string;
  brand?: string | null;
  brands: string[];
  privacy?: string | null;
}

/** The `state` message, sent on every change and answering `get-state`. */
interface StateMessage {
  type: 'state';
  state: ConnectionState;
  detail: string;
  agent: AgentSummary | null;
  /** only in the answer to `get-state` */
  paired?: boolean;
}

/** storage.local `agentInfo`: the last `welcome`'s brands, kept for the pages while the agent is away. */
interface StoredAgentInfo {
  brands: string[];
  brand: string | null;
  privacy: string | null;
  at: number;
}

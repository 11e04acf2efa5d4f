/** What every page needs: the deployment's config, the API client, the signed-in agent. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from "react";
import { type Session, sessionStore } from "./api/auth";
import type { ApiClient } from "./api/client";
import type { DeskConfig, Me } from "./api/types";

interface Desk {
  config: DeskConfig;
  api: ApiClient;
}

const DeskContext = createContext<Desk | null>(null);

export function DeskProvider(props: Desk & { children: ReactNode }) {
  const { children, ...desk } = props;
  return <DeskContext.Provider value={desk}>{children}</DeskContext.Provider>;
}

export function useDesk(): Desk {
  const desk = useContext(DeskContext);
  if (!desk) throw new Error("useDesk outside DeskProvider");
  return desk;
}

export function useSession() {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get);
}

/** The signed-in agent as the API knows them (groups from the token, skills and status from the desk). */
export function useMe() {
  const { api } = useDesk();
  const session = useSession();
  return useQuery({
    queryKey: ["me", session?.username],
    queryFn: () => api.get<Me>("/me"),
    enabled: session !== null,
    staleTime: 60_000,
  });
}

/**
 * Starts a session after a sign-in: tells the API (POST /me/sign-in, which makes an agent online at
 * their first sign-in and keeps their last status after) and takes its answer as `useMe`'s, so the
 * header never shows the status from before. Should the call fail, `useMe` reads GET /me as usual.
 */
export function useStartSession(): (session: Session) => void {
  const { api } = useDesk();
  const queryClient = useQueryClient();
  return (session) => {
    sessionStore.set(session);
    // Started before the shell mounts: its useMe joins this request rather than making its own.
    queryClient
      .fetchQuery({ queryKey: ["me", session.username], queryFn: () => api.post<Me>("/me/sign-in") })
      .catch(() => queryClient.invalidateQueries({ queryKey: ["me"] }));
  };
}

export function useRoles() {
  const session = useSession();
  const groups = new Set(session?.groups ?? []);
  return {
    username: session?.username ?? "",
    // Who may work tickets (the API's `agent` group; a supervisor is also an agent, an admin is not).
    isAgent: groups.has("agent") || groups.has("supervisor"),
    isSupervisor: groups.has("supervisor") || groups.has("admin"),
    isAdmin: groups.has("admin"),
    canReveal: groups.has("pii") || groups.has("supervisor"),
  };
}

/** The current time, ticking: for SLA clocks and the WeChat window. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

import {
  AppShell,
  Burger,
  Button,
  Divider,
  Group,
  Kbd,
  Loader,
  SegmentedControl,
  Stack,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { useDisclosure, useMediaQuery } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect } from "react";
import { Navigate, NavLink, Route, Routes, useLocation } from "react-router";
import { DESK_TICKET_ROUTE } from "../../shared/core/desk/routes";
import { sessionStore } from "./api/auth";
import type { Me } from "./api/types";
import { LanguageSwitch } from "./components/LanguageSwitch";
import { useDesk, useMe, useRoles, useSession } from "./context";
import { type MessageKey, useI18n } from "./i18n";
import { LoginPage } from "./pages/LoginPage";
import { QueuePage } from "./pages/QueuePage";
import { TicketPage } from "./pages/TicketPage";

// Pages an agent opens now and then load on demand, keeping the first load small.
const ChangesPage = lazy(() => import("./pages/ChangesPage"));
const AgentsPage = lazy(() => import("./pages/AgentsPage"));
const KnowledgePage = lazy(() => import("./pages/KnowledgePage"));
const SuggestionsPage = lazy(() => import("./pages/SuggestionsPage"));
// The reports page carries ECharts: it loads only when a supervisor opens it.
const ReportsPage = lazy(() => import("./pages/ReportsPage"));
const QaPage = lazy(() => import("./pages/QaPage"));

/** The desk's Cognito groups that open pages (useRoles: a supervisor is also an agent). */
type DeskGroup = "agent" | "supervisor" | "admin";

interface NavEntry {
  to: string;
  label: MessageKey;
  visible(roles: ReturnType<typeof useRoles>): boolean;
  /** The groups `visible` lets in: named to a user who opens the page without being in one. */
  groups: readonly DeskGroup[];
}

const AGENTS: readonly DeskGroup[] = ["agent", "supervisor"];
const SUPERVISORS: readonly DeskGroup[] = ["supervisor", "admin"];

/**
 * The navigation, in order. Issue 13 adds its pages here (reports with ECharts, the QA queue, learning
 * suggestions), each as a lazy route below so the queue's first load does not grow.
 */
const NAV: NavEntry[] = [
  // The tickets and the taught changes are the agents' (an admin who is not also an agent gets 403s).
  { to: "/queue", label: "navQueue", visible: (r) => r.isAgent, groups: AGENTS },
  { to: "/changes", label: "navChanges", visible: (r) => r.isAgent, groups: AGENTS },
  { to: "/knowledge", label: "navKnowledge", visible: (r) => r.isAdmin, groups: ["admin"] },
  // Supervisors' and admins' (GET and PUT /agents): after the knowledge base, where an admin lands.
  { to: "/agents", label: "navAgents", visible: (r) => r.isSupervisor, groups: SUPERVISORS },
  { to: "/suggestions", label: "navSuggestions", visible: (r) => r.isSupervisor, groups: SUPERVISORS },
  { to: "/reports", label: "navReports", visible: (r) => r.isSupervisor, groups: SUPERVISORS },
  { to: "/qa", label: "navQa", visible: (r) => r.isSupervisor, groups: SUPERVISORS },
];

export function App() {
  const session = useSession();
  const queryClient = useQueryClient();
  const username = session?.username;
  // Nothing of one agent's session survives into the next sign-in on this browser.
  useEffect(() => {
    if (!username) queryClient.clear();
  }, [username, queryClient]);
  if (!session) return <LoginPage />;
  return <Shell />;
}

/**
 * Below this width the header's row (seven pages for a supervisor, the status and language switches,
 * the name, sign out) no longer fits: the pages and the rest go into a menu under a burger, and the
 * header keeps the name of the desk and the agent's status. Mantine's `lg`, so 1280 px is unchanged.
 */
const COMPACT_HEADER = "(max-width: 74.99em)";
// The navbar holding the menu exists only below that width, where Mantine lays it over the page.

function Shell() {
  const { t } = useI18n();
  const { api } = useDesk();
  const roles = useRoles();
  const me = useMe();
  const location = useLocation();
  // Read at the first render, so a phone never draws the wide header first.
  const compact = useMediaQuery(COMPACT_HEADER, false, { getInitialValueInEffect: false });
  const [menuOpen, menu] = useDisclosure(false);
  // A ticket belongs to the queue: its nav entry stays lit there.
  const here = location.pathname.startsWith("/tickets/") ? "/queue" : location.pathname;
  const nav = NAV.filter((entry) => entry.visible(roles));
  // Each role lands on the first page it may use: an agent on the queue, an admin on the knowledge base.
  const home = nav[0]?.to;
  const navButtons = nav.map((entry) => (
    <Button
      key={entry.to}
      component={NavLink}
      to={entry.to}
      variant={here.startsWith(entry.to) ? "light" : "subtle"}
      color={here.startsWith(entry.to) ? undefined : "dark"}
      size="compact-md"
      justify={compact ? "flex-start" : undefined}
      // The menu covers the page on a phone: opening a page closes it.
      onClick={compact ? menu.close : undefined}
    >
      {t(entry.label)}
    </Button>
  ));
  const statusSwitch = me.data && roles.isAgent && <StatusSwitch me={me.data} />;
  const whoami = (
    <Text size="sm" c="dimmed" data-testid="whoami" truncate="end">
      {me.data?.displayName ?? roles.username}
    </Text>
  );
  // Signing out stops the tickets: an online agent is set away first (best effort: a failed call must
  // not keep anyone signed in). Signing in makes them online again.
  const signOutNow = async () => {
    if (roles.isAgent && me.data?.status === "online") {
      await api.put("/me/status", { status: "away" }).catch(() => undefined);
    }
    sessionStore.set(null);
  };
  const signOut = (
    <Button variant="default" size="compact-sm" onClick={() => void signOutNow()}>
      {t("signOut")}
    </Button>
  );
  return (
    <AppShell
      header={{ height: 52 }}
      navbar={compact ? { width: 260, breakpoint: "lg", collapsed: { mobile: !menuOpen } } : undefined}
      padding="md"
    >
      <AppShell.Header px="md">
        {compact ? (
          <Group h="100%" justify="space-between" wrap="nowrap" data-testid="compact-header">
            <Group gap="sm" wrap="nowrap">
              <Burger
                opened={menuOpen}
                onClick={menu.toggle}
                size="sm"
                aria-label={t("menu")}
                aria-expanded={menuOpen}
                data-testid="menu-button"
              />
              <Title order={4} style={{ whiteSpace: "nowrap" }}>
                {t("appName")}
              </Title>
            </Group>
            {statusSwitch}
          </Group>
        ) : (
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="lg" wrap="nowrap">
              <Title order={4} style={{ whiteSpace: "nowrap" }}>
                {t("appName")}
              </Title>
              <Group gap={4} component="nav" wrap="nowrap">
                {navButtons}
              </Group>
            </Group>
            <Group gap="sm" wrap="nowrap">
              <Tooltip label={t("shortcutsHint")}>
                <Kbd>?</Kbd>
              </Tooltip>
              {statusSwitch}
              <LanguageSwitch />
              {whoami}
              {signOut}
            </Group>
          </Group>
        )}
      </AppShell.Header>
      {compact && (
        <AppShell.Navbar p="md" data-testid="menu">
          <Stack gap={4} component="nav">
            {navButtons}
          </Stack>
          <Divider my="md" />
          <Stack gap="sm" align="flex-start">
            <LanguageSwitch />
            {whoami}
            {signOut}
          </Stack>
        </AppShell.Navbar>
      )}
      <AppShell.Main>
        <Suspense fallback={<Loader m="xl" />}>
          <Routes>
            {home && <Route path="/" element={<Navigate to={home} replace />} />}
            {roles.isAgent && <Route path="/queue" element={<QueuePage />} />}
            {roles.isAgent && <Route path={DESK_TICKET_ROUTE} element={<TicketPage />} />}
            {roles.isAgent && <Route path="/changes" element={<ChangesPage />} />}
            {roles.isAdmin && <Route path="/knowledge" element={<KnowledgePage />} />}
            {roles.isSupervisor && <Route path="/agents" element={<AgentsPage />} />}
            {roles.isSupervisor && <Route path="/suggestions" element={<SuggestionsPage />} />}
            {roles.isSupervisor && <Route path="/reports" element={<ReportsPage />} />}
            {roles.isSupervisor && <Route path="/qa" element={<QaPage />} />}
            {/* A page that exists but not for this user (a link from a colleague): says so, and who may. */}
            {NAV.filter((entry) => !entry.visible(roles)).map((entry) => (
              <Route key={entry.to} path={entry.to} element={<NoAccess groups={entry.groups} />} />
            ))}
            {!roles.isAgent && <Route path={DESK_TICKET_ROUTE} element={<NoAccess groups={AGENTS} />} />}
            <Route path="*" element={<Text m="xl">{t("notFoundPage")}</Text>} />
          </Routes>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

/** A page the user's groups do not open, with the groups that do. */
function NoAccess(props: { groups: readonly DeskGroup[] }) {
  const { t } = useI18n();
  const groups = props.groups.map((group) => t(`group_${group}`)).join(t("listSeparator"));
  return (
    <Stack m="xl" gap="xs" data-testid="no-access">
      <Text fw={600}>{t("noAccessPage")}</Text>
      <Text c="dimmed">{t("noAccessGroups", { groups })}</Text>
    </Stack>
  );
}

function StatusSwitch(props: { me: Me }) {
  const { t } = useI18n();
  const { api } = useDesk();
  const queryClient = useQueryClient();
  const setStatus = useMutation({
    mutationFn: (status: "online" | "away") => api.put("/me/status", { status }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["me"] });
    },
  });
  return (
    <SegmentedControl
      size="xs"
      aria-label={t("myStatus")}
      color={props.me.status === "online" ? "teal" : "gray"}
      value={props.me.status}
      disabled={setStatus.isPending}
      onChange={(value) => setStatus.mutate(value === "away" ? "away" : "online")}
      data={[
        { value: "online", label: t("statusOnline") },
        { value: "away", label: t("statusAway") },
      ]}
    />
  );
}

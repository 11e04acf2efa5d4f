import {
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  NumberInput,
  Stack,
  Table,
  TagsInput,
  Text,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { Agent, Group as DeskGroup } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { ModalActions } from "../components/ModalActions";
import { useDesk, useRoles } from "../context";
import { useI18n } from "../i18n";

/**
 * Who is on the desk: every member of the Cognito groups agent and supervisor (GET /agents), with the
 * skills, concurrency limit, status and load of their agents-table record. Supervisors.
 */
export default function AgentsPage() {
  const { t } = useI18n();
  const { api, config } = useDesk();
  const agents = useQuery({
    queryKey: ["agents"],
    queryFn: () => api.get<{ agents: Agent[] }>("/agents"),
    refetchInterval: config.pollMs * 5,
  });
  const [editing, setEditing] = useState<Agent | null>(null);
  return (
    <Stack maw={1100}>
      <Title order={3}>{t("agentsTitle")}</Title>
      <ErrorAlert error={agents.error} />
      {agents.isPending && <Loader />}
      {agents.data && (
        <Table highlightOnHover layout="fixed" data-testid="agents-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={200}>{t("username")}</Table.Th>
              <Table.Th w={100}>{t("status")}</Table.Th>
              <Table.Th>{t("skills")}</Table.Th>
              <Table.Th w={160}>{t("groups")}</Table.Th>
              <Table.Th w={140}>{t("openTickets")}</Table.Th>
              <Table.Th w={90} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {agents.data.agents.map((agent) => (
              <Table.Tr key={agent.id} data-testid="agent-row">
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {agent.displayName}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {agent.id}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={agent.status === "online" ? "teal" : "gray"} variant="light">
                    {agent.status === "online" ? t("statusOnline") : t("statusAway")}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {agent.skills.map((skill) => (
                      <Badge key={skill} variant="outline" color="gray" tt="none">
                        {skill}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{agent.groups.join(", ")}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={agent.openTickets >= agent.maxConcurrent ? "red.8" : undefined} fw={600}>
                    {agent.openTickets} / {agent.maxConcurrent}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="light" onClick={() => setEditing(agent)}>
                    {t("edit")}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {editing && <EditAgent agent={editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

/** The desk's Cognito groups an admin may give or take (PUT /agents/:id `groups`, admin only). */
const DESK_GROUPS: readonly DeskGroup[] = ["agent", "supervisor", "admin", "pii"];

function EditAgent(props: { agent: Agent; onClose(): void }) {
  const { t } = useI18n();
  const { api } = useDesk();
  const { isAdmin } = useRoles();
  const queryClient = useQueryClient();
  const [skills, setSkills] = useState(props.agent.skills);
  const [maxConcurrent, setMaxConcurrent] = useState<number>(props.agent.maxConcurrent);
  const [groups, setGroups] = useState<string[]>(props.agent.groups);
  // Groups are sent only when an admin changed them: the API changes Cognito first, and a supervisor
  // saving skills must not touch the directory at all.
  const groupsChanged =
    groups.length !== props.agent.groups.length ||
    groups.some((group) => !props.agent.groups.includes(group as DeskGroup));
  const save = useMutation({
    mutationFn: () =>
      api.put<Agent>(`/agents/${encodeURIComponent(props.agent.id)}`, {
        skills,
        maxConcurrent,
        ...(isAdmin && groupsChanged ? { groups } : {}),
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["agents"] });
      props.onClose();
    },
  });
  return (
    <Modal opened onClose={props.onClose} title={t("editAgent", { name: props.agent.displayName })}>
      <Stack>
        <TagsInput label={t("skills")} value={skills} onChange={setSkills} clearable />
        <NumberInput
          label={t("maxConcurrent")}
          min={1}
          max={100}
          value={maxConcurrent}
          onChange={(value) => setMaxConcurrent(typeof value === "number" ? value : Number(value) || 1)}
        />
        {isAdmin && (
          <Checkbox.Group label={t("groups")} value={groups} onChange={setGroups} data-testid="agent-groups">
            <Group gap="md" mt={4}>
              {DESK_GROUPS.map((group) => (
                <Checkbox key={group} value={group} label={group} data-testid={`agent-group-${group}`} />
              ))}
            </Group>
          </Checkbox.Group>
        )}
        <ErrorAlert error={save.error} />
        <ModalActions onCancel={props.onClose}>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            {t("save")}
          </Button>
        </ModalActions>
      </Stack>
    </Modal>
  );
}

import {
  Alert,
  Badge,
  Button,
  Grid,
  Group,
  Loader,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { FAQ_FILE_EXTENSIONS, faqFormatOf } from "../../../shared/core/faq-files";
import { ApiError } from "../api/client";
import type { FaqVersions, ImportReportSummary, UploadTarget } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import {
  countLabel,
  formatDateTime,
  importStatusColor,
  importStatusLabel,
  shownCounts,
} from "../components/labels";
import { ModalActions } from "../components/ModalActions";
import { ReportView } from "../components/ReportView";
import { useDesk } from "../context";
import { errorText } from "../errors";
import { useI18n } from "../i18n";

/** The name GET /faq/imports/:name takes: the upload's `name`, else the last segment of its key. */
function importName(target: UploadTarget): string {
  return target.name ?? target.key.split("/").pop() ?? target.key;
}

export default function KnowledgePage() {
  const { t } = useI18n();
  return (
    <Stack maw={1100}>
      <Title order={3}>{t("kbTitle")}</Title>
      <Grid>
        <Grid.Col span={7}>
          <Stack>
            <UploadPanel />
            <ImportsPanel />
          </Stack>
        </Grid.Col>
        <Grid.Col span={5}>
          <VersionsPanel />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

/** Upload: ask for a presigned URL, PUT the file straight to the bucket, then wait for the import report. */
function UploadPanel() {
  const { t } = useI18n();
  const { api } = useDesk();
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [waitingFor, setWaitingFor] = useState<string | null>(null);
  // The picker offers the FAQ types, but "All files" lets any through; the API's refusal of the name
  // read only "check the highlighted fields", and there is no field to highlight.
  const unsupported = file !== null && faqFormatOf(file.name) === undefined;

  const upload = useMutation({
    mutationFn: async (chosen: File) => {
      const target = await api.post<UploadTarget>("/faq/uploads", { fileName: chosen.name });
      const put = await fetch(target.url, { method: "PUT", headers: target.headers, body: chosen }).catch(
        () => null,
      );
      if (!put?.ok) throw new ApiError(put?.status ?? 0, put ? "upload_refused" : "network", "upload failed");
      return importName(target);
    },
    onSuccess: (name) => setWaitingFor(name),
  });

  // The report appears once the import function has run: 404 until then, so keep asking.
  const report = useQuery({
    queryKey: ["import", waitingFor],
    queryFn: () => api.get<ImportReportSummary>(`/faq/imports/${encodeURIComponent(waitingFor ?? "")}`),
    enabled: waitingFor !== null,
    retry: (count, error) => error instanceof ApiError && error.status === 404 && count < 120,
    retryDelay: 1500,
  });
  const arrived = report.data !== undefined;
  useEffect(() => {
    if (!arrived) return;
    void queryClient.invalidateQueries({ queryKey: ["imports"] });
    void queryClient.invalidateQueries({ queryKey: ["versions"] });
  }, [arrived, queryClient]);

  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={5}>{t("uploadTitle")}</Title>
        <Text size="sm" c="dimmed">
          {t("uploadHint")}
        </Text>
        <Group gap="sm" wrap="nowrap">
          <Button variant="default" onClick={() => input.current?.click()}>
            {t("chooseFile")}
          </Button>
          <Text size="sm" truncate="end" style={{ flex: 1 }}>
            {file?.name ?? ""}
          </Text>
          <input
            ref={input}
            type="file"
            accept={FAQ_FILE_EXTENSIONS.join(",")}
            hidden
            data-testid="faq-upload"
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] ?? null);
              upload.reset();
              setWaitingFor(null);
            }}
          />
          <Button
            disabled={!file || unsupported}
            loading={upload.isPending}
            onClick={() => file && upload.mutate(file)}
            data-testid="faq-upload-submit"
          >
            {t("upload")}
          </Button>
        </Group>
        {unsupported && (
          <Alert color="red" variant="light" py={6} role="alert" data-testid="upload-unsupported">
            {t("uploadUnsupported", { name: file.name, types: FAQ_FILE_EXTENSIONS.join(" ") })}
          </Alert>
        )}
        {upload.isPending && file && <Text size="sm">{t("uploading", { name: file.name })}</Text>}
        <ErrorAlert error={upload.error} />
        {waitingFor && !report.data && !report.isError && (
          <Group gap="xs">
            <Loader size="xs" />
            <Text size="sm" data-testid="waiting-report">
              {t("waitingReport")}
            </Text>
          </Group>
        )}
        <ErrorAlert error={report.error} />
        {report.data && (
          <>
            <Text size="sm" fw={600}>
              {t("reportArrived")}
            </Text>
            <ReportView report={report.data} />
          </>
        )}
      </Stack>
    </Paper>
  );
}

function ImportsPanel() {
  const { t, locale } = useI18n();
  const { api } = useDesk();
  const imports = useQuery({
    queryKey: ["imports"],
    queryFn: () => api.get<{ imports: ImportReportSummary[] }>("/faq/imports"),
  });
  const [open, setOpen] = useState<ImportReportSummary | null>(null);
  return (
    <Paper withBorder p="md">
      <Title order={5} mb="sm">
        {t("importsTitle")}
      </Title>
      {imports.isPending && <Loader size="sm" />}
      {imports.isError && <Text c="red.8">{errorText(imports.error, t, locale)}</Text>}
      {imports.data?.imports.length === 0 && <Text c="dimmed">{t("noImports")}</Text>}
      {imports.data && imports.data.imports.length > 0 && (
        <Table highlightOnHover fz="sm" layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("file")}</Table.Th>
              <Table.Th w={86}>{t("status")}</Table.Th>
              <Table.Th w={150}>{t("counts")}</Table.Th>
              <Table.Th w={96}>{t("at")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {imports.data.imports.map((item) => (
              <Table.Tr
                key={item.upload}
                onClick={() => setOpen(item)}
                style={{ cursor: "pointer" }}
                data-testid="import-row"
              >
                <Table.Td>
                  <Text size="sm" ff="monospace" title={item.upload} style={{ overflowWrap: "anywhere" }}>
                    {item.upload}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" tt="none" color={importStatusColor(item.status)}>
                    {importStatusLabel(item.status, t)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {shownCounts(item.counts)
                      .map(([k, v]) => `${countLabel(k, t)} ${v}`)
                      .join(" · ")}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{formatDateTime(item.at, locale)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open?.upload} size="xl">
        {open && <ReportView report={open} />}
      </Modal>
    </Paper>
  );
}

/**
 * The short columns keep their words whole; the long version ids wrap instead (in the narrow panel at
 * 1280×800 "条目数" broke one character per line and the "当前" badge was cut off).
 */
const NO_WRAP = { whiteSpace: "nowrap" } as const;

function VersionsPanel() {
  const { t, locale } = useI18n();
  const { api } = useDesk();
  const queryClient = useQueryClient();
  const versions = useQuery({ queryKey: ["versions"], queryFn: () => api.get<FaqVersions>("/faq/versions") });
  const [confirm, setConfirm] = useState<{ version: string; entries: number } | null>(null);
  const restore = useMutation({
    mutationFn: (version: string) =>
      api.post<{ requested: boolean }>(`/faq/versions/${encodeURIComponent(version)}/restore`),
    onSuccess: () => {
      setConfirm(null);
      void queryClient.invalidateQueries({ queryKey: ["versions"] });
    },
  });
  return (
    <Paper withBorder p="md">
      <Title order={5} mb="sm">
        {t("versionsTitle")}
      </Title>
      {versions.isPending && <Loader size="sm" />}
      {versions.isError && <Text c="red.8">{errorText(versions.error, t, locale)}</Text>}
      {restore.isSuccess && (
        <Alert color="teal" variant="light" mb="sm" py={6} data-testid="restore-requested">
          {t("restoreRequested", { version: restore.variables })}
        </Alert>
      )}
      {restore.error && (
        <Alert color="red" variant="light" mb="sm" py={6} role="alert">
          {errorText(restore.error, t, locale)}
        </Alert>
      )}
      {versions.data && (
        <Table fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("version")}</Table.Th>
              <Table.Th style={NO_WRAP}>{t("at")}</Table.Th>
              <Table.Th ta="right" style={NO_WRAP}>
                {t("entries")}
              </Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {versions.data.versions.map((v) => (
              <Table.Tr key={v.version} data-testid="version-row">
                <Table.Td ff="monospace" style={{ overflowWrap: "anywhere" }}>
                  {v.version}
                </Table.Td>
                <Table.Td style={NO_WRAP}>{formatDateTime(v.at, locale)}</Table.Td>
                <Table.Td ta="right">{v.entries}</Table.Td>
                <Table.Td style={NO_WRAP}>
                  {v.version === versions.data.current ? (
                    <Badge color="teal">{t("currentVersion")}</Badge>
                  ) : (
                    <Button
                      size="compact-xs"
                      variant="light"
                      onClick={() => setConfirm(v)}
                      data-testid="version-restore"
                    >
                      {t("restore")}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal
        opened={confirm !== null}
        onClose={() => setConfirm(null)}
        title={t("restoreTitle", { version: confirm?.version ?? "" })}
      >
        <Stack>
          <Text size="sm">
            {t("restoreBody", { version: confirm?.version ?? "", entries: confirm?.entries ?? 0 })}
          </Text>
          <ModalActions onCancel={() => setConfirm(null)}>
            <Button
              loading={restore.isPending}
              onClick={() => confirm && restore.mutate(confirm.version)}
              data-testid="version-restore-confirm"
            >
              {t("restore")}
            </Button>
          </ModalActions>
        </Stack>
      </Modal>
    </Paper>
  );
}

import { Alert, Badge, Group, Stack, Table, Text } from "@mantine/core";
import type { ImportReportSummary } from "../api/types";
import { useI18n } from "../i18n";
import { countLabel, formatDateTime, importStatusColor, importStatusLabel, shownCounts } from "./labels";

/**
 * An import report: its counts, why the file was refused whole or changed nothing (the import's own
 * words, in the admin's language), and the rows the import refused, as the import function wrote it.
 */
export function ReportView(props: { report: ImportReportSummary }) {
  const { t, locale } = useI18n();
  const { report } = props;
  return (
    <Stack gap="xs" data-testid="import-report">
      <Group gap="xs">
        <Badge color={importStatusColor(report.status)}>{importStatusLabel(report.status, t)}</Badge>
        {report.version && (
          <Text size="sm">
            {t("version")} {report.version}
          </Text>
        )}
        {report.at && (
          <Text size="sm" c="dimmed">
            {formatDateTime(report.at, locale)}
          </Text>
        )}
      </Group>
      <Group gap="xs">
        {shownCounts(report.counts).map(([name, count]) => (
          <Badge
            key={name}
            variant="light"
            color={name === "rejected" && count > 0 ? "red" : "gray"}
            tt="none"
            data-testid="report-count"
          >
            {countLabel(name, t)}: {count}
          </Badge>
        ))}
      </Group>
      {(report.error ?? report.warning) && (
        <Alert
          color={report.error ? "red" : "yellow"}
          variant="light"
          py={6}
          data-testid="report-problem"
          role={report.error ? "alert" : undefined}
        >
          {(report.error ?? report.warning)?.message}
        </Alert>
      )}
      {report.rejected.length > 0 && (
        <>
          <Text size="sm" fw={600}>
            {t("rejectedRows")}
          </Text>
          <Table withTableBorder striped fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={60}>{t("row")}</Table.Th>
                <Table.Th w={110}>ID</Table.Th>
                <Table.Th w={100}>{t("field")}</Table.Th>
                <Table.Th w={150}>{t("code")}</Table.Th>
                <Table.Th>{t("message")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.rejected.map((row) => (
                <Table.Tr key={`${row.row}-${row.code}-${row.field ?? ""}`} data-testid="rejected-row">
                  <Table.Td>{row.row}</Table.Td>
                  <Table.Td>{row.id ?? ""}</Table.Td>
                  <Table.Td>{row.field ?? ""}</Table.Td>
                  <Table.Td ff="monospace">{row.code}</Table.Td>
                  <Table.Td>{row.message}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
}

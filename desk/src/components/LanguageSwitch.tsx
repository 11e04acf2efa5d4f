import { SegmentedControl } from "@mantine/core";
import { useI18n } from "../i18n";

/** 中文 | EN: the desk's language, in the header and on the sign-in page. */
export function LanguageSwitch() {
  const { t, locale, setLocale } = useI18n();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t("language")}
      value={locale}
      onChange={(value) => setLocale(value === "en" ? "en" : "zh")}
      data={[
        { value: "zh", label: "中文" },
        { value: "en", label: "EN" },
      ]}
    />
  );
}

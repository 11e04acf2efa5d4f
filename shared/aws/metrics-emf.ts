/**
 * What the ingress paths call on their metrics. Powertools' Metrics has these methods, and so has
 * EmfMetrics; the webhook uses the latter.
 */
export interface MetricsSink {
  addMetric(name: string, unit: "Count", value: number): unknown;
  hasStoredMetrics(): boolean;
  publishStoredMetrics(): unknown;
}

/** CloudWatch's limits on one EMF line, as Powertools applies them: 100 metrics, 100 values of one metric. */
const MAX_METRICS = 100;
const MAX_VALUES = 100;

export interface EmfMetricsOptions {
  namespace: string;
  /** The `service` dimension of every metric, as Powertools' default dimension. */
  serviceName: string;
  /** Nothing is printed (POWERTOOLS_METRICS_DISABLED, POWERTOOLS_DEV: RuntimeSettings.metricsDisabled). */
  disabled?: boolean;
  /** Where each line goes; standard output (one line per publish), as Powertools prints it. */
  write?: (line: string) => void;
}

/** One line of the CloudWatch embedded metric format, as Powertools' Metrics serialises it. */
export interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  service: string;
  [metric: string]: unknown;
}

/**
 * Counts published as CloudWatch embedded metric format (EMF) lines: the line Powertools' Metrics prints
 * for the same calls (namespace, `service` dimension, one value or a list of values per metric name),
 * without loading Powertools' Metrics, which was a tenth of the webhook's cold initialisation (issue 10).
 * Only what the webhook counts: no dimensions of its own, no metadata, standard resolution.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export class EmfMetrics implements MetricsSink {
  readonly #stored = new Map<string, { unit: "Count"; values: number[] }>();
  readonly #options: EmfMetricsOptions;

  constructor(options: EmfMetricsOptions) {
    this.#options = options;
  }

  addMetric(name: string, unit: "Count", value: number): this {
    const stored = this.#stored.get(name);
    if (!stored) {
      if (this.#stored.size >= MAX_METRICS) this.publishStoredMetrics();
      this.#stored.set(name, { unit, values: [value] });
      return this;
    }
    stored.values.push(value);
    if (stored.values.length >= MAX_VALUES) this.publishStoredMetrics();
    return this;
  }

  hasStoredMetrics(): boolean {
    return this.#stored.size > 0;
  }

  /** Prints the stored metrics as one line, and forgets them; nothing when none are stored. */
  publishStoredMetrics(): this {
    if (this.#stored.size > 0 && !this.#options.disabled) {
      const line = JSON.stringify(this.serialize(Date.now()));
      (this.#options.write ?? writeStdout)(line);
    }
    this.#stored.clear();
    return this;
  }

  /** The EMF line of the stored metrics at `timestamp` (milliseconds since the epoch). */
  serialize(timestamp: number): EmfLine {
    const { namespace, serviceName } = this.#options;
    const metrics = [...this.#stored];
    return {
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [
          {
            Namespace: namespace,
            Dimensions: [["service"]],
            Metrics: metrics.map(([name, { unit }]) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      service: serviceName,
      ...Object.fromEntries(
        metrics.map(([name, { values }]) => [name, values.length === 1 ? values[0] : [...values]]),
      ),
    };
  }
}

function writeStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

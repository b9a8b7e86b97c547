// Types of the Prometheus text-format parser the metrics tests use (the package ships none).
declare module "parse-prometheus-text-format" {
  /** One sample: its labels, and its value as written. */
  export interface Sample {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  /** One metric family: name, help, type and samples. */
  export interface Family {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: Sample[];
  }
  export default function parsePrometheusTextFormat(text: string): Family[];
}

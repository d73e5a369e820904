export declare function buildReportScript(): Promise<string>;

export declare const INSTALL_HINT: string;
export declare function findChromium(): string | undefined;
export declare function ensureChromium(options?: { quiet?: boolean }): string;

/** Just the part of s3rver 3.7 (which ships no types) that the tests use. */
declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    /** 0 picks a free port; `run()` reports it. */
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}

/** The context SCF passes to a Node.js handler beside the event (REFERENCE §2). */
export interface ScfContext {
  request_id: string;
  function_name: string;
  function_version: string;
  namespace: string;
  memory_limit_in_mb: number;
  time_limit_in_ms: number;
  tencentcloud_region: string;
  tencentcloud_appid: string;
  tencentcloud_uin: string;
  callbackWaitsForEmptyEventLoop: boolean;
  /** The function's environment variables, as a JSON string. */
  environment: string;
}

/** Points every `server:` line of a kubeconfig at `server`; unchanged when `server` is undefined. */
export function rewriteKubeconfigServer(kubeconfig: string, server?: string): string {
  return server ? kubeconfig.replace(/^(\s*server:\s*).*$/gm, `$1${server}`) : kubeconfig;
}

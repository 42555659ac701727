/*
 * pause: the sandbox ("infra") container of a Kubernetes pod. It holds the pod's
 * namespaces, sleeps until SIGINT or SIGTERM, and reaps the zombies it inherits as the
 * pod's PID 1 when the pod shares its PID namespace. Same behaviour as
 * kubernetes/build/pause/linux/pause.c, written for vk8s's offline image build
 * (scripts/images.sh compiles it with `gcc -static`).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) {
  fprintf(stderr, "pause: shutting down, got signal %d\n", sig);
  exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    printf("pause (vk8s)\n");
    return 0;
  }
  if (getpid() != 1) {
    fprintf(stderr, "pause: warning: not PID 1\n");
  }
  struct sigaction on_stop = {.sa_handler = stop};
  struct sigaction on_child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
  if (sigaction(SIGINT, &on_stop, NULL) < 0 || sigaction(SIGTERM, &on_stop, NULL) < 0 ||
      sigaction(SIGCHLD, &on_child, NULL) < 0) {
    fprintf(stderr, "pause: sigaction: %s\n", strerror(errno));
    return 1;
  }
  for (;;) {
    pause();
  }
}

/* Times commands side by side. Each line of the spec file is one command:
 *   NAME <TAB> [KEY=VALUE <TAB>]... -- <TAB> PROGRAM <TAB> ARG...
 * Every round runs each command ITERS times (posix_spawn + wait), in turn, so
 * that a noisy neighbour slows all of them alike, starting one command later
 * each round so that no command always runs first. Output, one line per
 * command: NAME <TAB> the median over rounds of the mean time of one run, in
 * microseconds <TAB> every round's mean, comma-separated (for ratios taken
 * within a round, which a slow stretch of the machine cannot skew). */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

enum { kMaxCommands = 64, kMaxRounds = 1000 };

typedef struct {
  char *name;
  char **argv;
  char **envp;
  double samples[kMaxRounds];
} Command;

static char **Split(char *line, int *count) {
  size_t cap = 16, n = 0;
  char **parts = malloc(cap * sizeof *parts);
  for (char *tok = strtok(line, "\t\n"); tok; tok = strtok(NULL, "\t\n")) {
    if (n + 2 > cap) parts = realloc(parts, (cap *= 2) * sizeof *parts);
    parts[n++] = tok;
  }
  parts[n] = NULL;
  *count = (int)n;
  return parts;
}

static int Compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double Now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: runner SPEC ROUNDS ITERS\n");
    return 2;
  }
  int rounds = atoi(argv[2]), iters = atoi(argv[3]);
  if (rounds < 1 || rounds > kMaxRounds || iters < 1) return 2;
  FILE *spec = fopen(argv[1], "r");
  if (!spec) {
    perror(argv[1]);
    return 2;
  }
  Command commands[kMaxCommands];
  int n = 0;
  char *line = NULL;
  size_t len = 0;
  while (getline(&line, &len, spec) > 0 && n < kMaxCommands) {
    int count;
    char **parts = Split(strdup(line), &count);
    if (count < 3) continue;
    Command *c = &commands[n++];
    c->name = parts[0];
    int sep = 1;
    while (sep < count && strcmp(parts[sep], "--") != 0) ++sep;
    /* The environment: ours, with the KEY=VALUE fields set or replaced. */
    size_t env_n = 0, total = 0;
    while (environ[total]) ++total;
    c->envp = malloc((total + (size_t)sep + 1) * sizeof *c->envp);
    for (size_t e = 0; e < total; ++e) {
      int replaced = 0;
      for (int i = 1; i < sep && !replaced; ++i) {
        size_t key = strcspn(parts[i], "=") + 1;
        replaced = strncmp(environ[e], parts[i], key) == 0;
      }
      if (!replaced) c->envp[env_n++] = environ[e];
    }
    for (int i = 1; i < sep; ++i) c->envp[env_n++] = parts[i];
    c->envp[env_n] = NULL;
    c->argv = parts + sep + 1;
  }
  /* The commands' own output would only mix with the results. */
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  for (int r = 0; r < rounds; ++r) {
    for (int j = 0; j < n; ++j) {
      Command *c = &commands[(j + r) % n];
      double start = Now();
      for (int k = 0; k < iters; ++k) {
        pid_t pid;
        int status;
        if (posix_spawn(&pid, c->argv[0], &quiet, NULL, c->argv, c->envp) != 0) {
          fprintf(stderr, "runner: cannot start %s\n", c->argv[0]);
          return 1;
        }
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
          fprintf(stderr, "runner: %s failed (status %d)\n", c->name, status);
          return 1;
        }
      }
      c->samples[r] = (Now() - start) / iters;
    }
  }
  for (int i = 0; i < n; ++i) {
    double sorted[kMaxRounds];
    memcpy(sorted, commands[i].samples, (size_t)rounds * sizeof(double));
    qsort(sorted, (size_t)rounds, sizeof(double), Compare);
    printf("%s\t%.1f\t", commands[i].name, sorted[rounds / 2]);
    for (int r = 0; r < rounds; ++r) printf("%s%.1f", r ? "," : "", commands[i].samples[r]);
    printf("\n");
  }
  return 0;
}

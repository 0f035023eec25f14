// SPDX-License-Identifier: MIT
// Loads plugins with dlopen by name, found through its own RUNPATH
// ($ORIGIN/plugins): the dynamic linker searches the RUNPATH of the module
// that calls dlopen, so an attach's dlopen hook must keep the caller.
// Commands on stdin, one a line, each answered on stdout:
//   load NAME  dlopen("libattach_plugin_NAME.so") -> "loaded NAME" or "dlopen failed: ERROR"
//   open NAME  its plugin_NAME_open() opens /etc/hostname -> "opened NAME"
//   quit       -> exit 0
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static void* g_plugins[8];
static char g_names[8][32];
static int g_count;

static void load(const char* name) {
  char file[64];
  snprintf(file, sizeof(file), "libattach_plugin_%s.so", name);
  void* h = dlopen(file, RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return;
  }
  if (g_count < 8) {
    g_plugins[g_count] = h;
    snprintf(g_names[g_count++], sizeof(g_names[0]), "%s", name);
  }
  printf("loaded %s\n", name);
}

static void open_in(const char* name) {
  for (int i = 0; i < g_count; ++i) {
    if (strcmp(g_names[i], name) != 0) continue;
    char sym[64];
    snprintf(sym, sizeof(sym), "plugin_%s_open", name);
    int (*fn)(void) = (int (*)(void))dlsym(g_plugins[i], sym);
    printf(fn && fn() >= 0 ? "opened %s\n" : "open failed %s\n", name);
    return;
  }
  printf("no plugin %s\n", name);
}

int main(void) {
  char line[128];
  while (fgets(line, sizeof(line), stdin)) {
    line[strcspn(line, "\n")] = 0;
    if (!strncmp(line, "load ", 5)) load(line + 5);
    else if (!strncmp(line, "open ", 5)) open_in(line + 5);
    else if (!strcmp(line, "quit")) return 0;
    else printf("what? %s\n", line);
    fflush(stdout);
  }
  return 1;
}

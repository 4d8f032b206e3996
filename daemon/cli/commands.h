/* commands: the table of loalangd subcommands. Each subcommand gets the global options and
 * its own argv (argv[0] is the subcommand's name) and returns the process exit status:
 * 0 success, 1 the work failed (bad plan, conflicts …), 2 the command line was wrong. */
#ifndef LOALANG_COMMANDS_H
#define LOALANG_COMMANDS_H

#include <stddef.h>

typedef struct cmd_globals {
    const char *data_dir; /* -d DIR; NULL when not given */
} cmd_globals;

typedef struct cmd_entry {
    const char *name;
    const char *usage;
    const char *summary; /* Vietnamese, one line */
    int (*run)(const cmd_globals *g, int argc, char **argv);
} cmd_entry;

/* Terminated by an entry whose name is NULL. */
extern const cmd_entry cmd_table[];

/* `schedule fill PLAN [--month YYYY-MM] [--json]` and `schedule check PLAN`. */
int cmd_schedule(const cmd_globals *g, int argc, char **argv);

/* Admin commands on the data dir (cmd_admin.c): `init`; `user add NAME --role R
 * [--commune C]` (password on stdin); `commune add NAME | list`; `box add NAME --commune C |
 * revoke NAME | list`. */
int cmd_init(const cmd_globals *g, int argc, char **argv);
int cmd_user(const cmd_globals *g, int argc, char **argv);
int cmd_commune(const cmd_globals *g, int argc, char **argv);
int cmd_box(const cmd_globals *g, int argc, char **argv);

/* Plans and publishing on the data dir (cmd_plan.c, cmd_schedule.c): `plan import FILE`;
 * `airing add --piece ID --at RFC3339 [--commune NAME]… [--priority P]` (prints the airing
 * id alone on the last line); `schedule fill YYYY-MM` and `schedule publish YYYY-MM` with -d. */
int cmd_plan(const cmd_globals *g, int argc, char **argv);
int cmd_airing(const cmd_globals *g, int argc, char **argv);

/* Shared by every command on the data dir (commands.c): opens -d DIR, reporting a missing -d,
 * an uninitialised dir (with the `init` hint) or an open failure in Vietnamese on stderr; the
 * store is the caller's (store_close). who = "cli:USER" (g_free it). */
struct store;
int cmd_store_open(const cmd_globals *g, struct store **out);
char *cmd_who(void);
/* What to tell the user after a store call failed: the refusal worded in Vietnamese
 * (api_words.h) when why holds one, else store_errmsg(s). Returns buf or s's message. */
struct store_refusal;
const char *cmd_refusal_text(struct store *s, const struct store_refusal *why, char *buf,
                             size_t len);
/* `serve [--listen ADDR:PORT] [--config FILE]`: the daemon (cmd_serve.c, serve.h). */
int cmd_serve(const cmd_globals *g, int argc, char **argv);
/* `report YYYY-MM|YYYY-Qn|YYYY [--csv|--evidence-csv|--json] [--contract ID]` (cmd_report.c). */
int cmd_report(const cmd_globals *g, int argc, char **argv);
/* `contract add TITLE --from D --until D`, `contract line ID --genre G …`, `contract list`
 * (cmd_contract.c). */
int cmd_contract(const cmd_globals *g, int argc, char **argv);
/* Pieces (cmd_piece.c): `piece import FILE --title T --genre G [--approve] [--theme T]
 * [--exemplar E] [--commune C] [--priority P]` (prints the piece id alone on the last line);
 * `piece list [filters]`; `piece approve ID`; `piece reject ID --note N`. */
int cmd_piece(const cmd_globals *g, int argc, char **argv);

#endif

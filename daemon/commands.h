/* commands: the table of loalangd subcommands. Each subcommand gets the global options and
 * its own argv (argv[0] is the subcommand's name) and returns the process exit status:
 * 0 success, 1 the work failed (bad plan, conflicts …), 2 the command line was wrong. */
#ifndef LOALANG_COMMANDS_H
#define LOALANG_COMMANDS_H

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

/* Pieces (cmd_piece.c): `piece import FILE --title T --genre G [--approve] [--theme T]
 * [--exemplar E] [--commune C] [--priority P]` (prints the piece id alone on the last line);
 * `piece list [filters]`; `piece approve ID`; `piece reject ID --note N`. */
int cmd_piece(const cmd_globals *g, int argc, char **argv);

#endif

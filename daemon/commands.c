/* commands: the subcommand table; each subcommand lives in its own cmd_*.c file. */
#include "commands.h"

#include <stddef.h>

const cmd_entry cmd_table[] = {
    {"schedule", "schedule fill KẾ_HOẠCH [--month YYYY-MM] [--json]",
     "xếp lịch phát sóng tháng từ tệp kế hoạch", cmd_schedule},
    {"schedule", "schedule check KẾ_HOẠCH", "kiểm tra tệp kế hoạch: lỗi và trùng giờ",
     cmd_schedule},
    {NULL, NULL, NULL, NULL},
};

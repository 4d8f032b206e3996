/* commands: the subcommand table (each subcommand lives in its own cmd_*.c file) and the helpers
 * every command on the data dir shares: opening the store and the audit name "cli:USER". */
#include "commands.h"

#include <errno.h>
#include <glib.h>
#include <stddef.h>

#include "cli.h"
#include "store.h"

#define PROG "loalangd"

char *cmd_who(void)
{
    return g_strdup_printf("cli:%s", g_get_user_name());
}

int cmd_store_open(const cmd_globals *g, store **out)
{
    char err[STORE_ERR_MAX];
    if (!g->data_dir) {
        cli_error(PROG, "thiếu thư mục dữ liệu: dùng -d THƯ_MỤC");
        return -EINVAL;
    }
    int rc = store_open(g->data_dir, out, err, sizeof err);
    if (rc == -ENOENT)
        cli_error(PROG, "thư mục dữ liệu %s chưa được khởi tạo (chạy \"%s -d %s init\")",
                  g->data_dir, PROG, g->data_dir);
    else if (rc != 0)
        cli_error(PROG, "không mở được cơ sở dữ liệu: %s", err);
    return rc;
}

const cmd_entry cmd_table[] = {
    {"schedule", "schedule fill KẾ_HOẠCH [--month YYYY-MM] [--json]",
     "xếp lịch phát sóng tháng từ tệp kế hoạch", cmd_schedule},
    {"schedule", "schedule check KẾ_HOẠCH", "kiểm tra tệp kế hoạch: lỗi và trùng giờ",
     cmd_schedule},
    {"init", "init", "khởi tạo thư mục dữ liệu (cơ sở dữ liệu, media/)", cmd_init},
    {"user", "user add TÊN --role VAI_TRÒ [--commune XÃ]",
     "thêm người dùng; mật khẩu đọc một dòng từ stdin", cmd_user},
    {"commune", "commune add TÊN", "thêm xã", cmd_commune},
    {"commune", "commune list", "liệt kê các xã", cmd_commune},
    {"box", "box add TÊN --commune XÃ", "đăng ký cụm loa; in mã truy cập ở dòng cuối", cmd_box},
    {"box", "box revoke TÊN", "thu hồi mã truy cập của cụm loa", cmd_box},
    {"box", "box list", "liệt kê các cụm loa", cmd_box},
    {"schedule", "schedule fill YYYY-MM [--json] [--now RFC3339]",
     "xếp lịch tháng trong thư mục dữ liệu (cần -d) vào lịch đang soạn", cmd_schedule},
    {"schedule", "schedule publish YYYY-MM", "công bố lịch tháng cho các cụm loa (cần -d)",
     cmd_schedule},
    {"plan", "plan import KẾ_HOẠCH", "nhập xã, chương trình và kế hoạch tháng từ tệp", cmd_plan},
    {"airing", "airing add --piece MÃ --at RFC3339 [--commune XÃ]… [--priority MỨC]",
     "công bố một lần phát; in mã lần phát ở dòng cuối", cmd_airing},
    {"serve", "serve [--listen ĐỊA_CHỈ:CỔNG] [--config TỆP]",
     "chạy máy chủ (HTTP API cho người dùng và cụm loa)", cmd_serve},
    {"report", "report YYYY-MM|YYYY-Qn|YYYY [--csv|--evidence-csv|--json] [--contract MÃ]",
     "báo cáo thời lượng phát sóng theo hợp đồng (tháng, quý, năm)", cmd_report},
    {"contract", "contract add TÊN --from YYYY-MM-DD --until YYYY-MM-DD [--reach PHẦN_TRĂM]",
     "thêm hợp đồng phát sóng; in mã hợp đồng", cmd_contract},
    {"contract",
     "contract line MÃ --genre THỂ_LOẠI --pieces-per-month N --airings-per-piece N "
     "[--min-minutes M] [--max-minutes M]",
     "đặt số lượng theo hợp đồng cho một thể loại", cmd_contract},
    {"contract", "contract list", "liệt kê các hợp đồng", cmd_contract},
    {"piece",
     "piece import TỆP --title TIÊU_ĐỀ --genre news|article|report|interview [--approve]"
     " [--theme CHỦ_ĐỀ] [--exemplar ĐIỂN_HÌNH] [--commune XÃ] [--priority MỨC]",
     "nhập tệp âm thanh thành tin bài; in mã tin bài ở dòng cuối", cmd_piece},
    {"piece", "piece list [--status S] [--genre G] [--month YYYY-MM] [--commune XÃ] [--text CHỮ]",
     "liệt kê tin bài", cmd_piece},
    {"piece", "piece approve MÃ", "duyệt tin bài", cmd_piece},
    {"piece", "piece reject MÃ --note LÝ_DO", "từ chối tin bài, kèm lý do", cmd_piece},
    {NULL, NULL, NULL, NULL},
};

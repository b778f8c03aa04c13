// Internal to the admin API: every handler the route table in admin_api.cpp
// names, one file per feature. Each is a plain function of a Call; the table
// has checked method, token and role before it runs.
#pragma once

#include "http/admin_call.hpp"

namespace serendip::http::admin {

using Handler = Response (*)(const Call& c);

// admin_accounts.cpp: signing in, and the accounts themselves (admin role).
Response login(const Call& c);
Response me(const Call& c);
Response logout(const Call& c);
Response list_accounts(const Call& c);
Response create_account(const Call& c);
Response set_password(const Call& c);
Response disable_account(const Call& c);
Response enable_account(const Call& c);

// admin_reports.cpp: the public POST /api/v1/reports, the queue and decisions.
Response post_report(const Call& c);
Response list_reports(const Call& c);
Response report_detail(const Call& c);
Response decide_report(const Call& c);

// admin_blocks.cpp
Response list_blocks(const Call& c);
Response create_block(const Call& c);
Response bulk_blocks(const Call& c);
Response lift_block(const Call& c);

// admin_appeals.cpp: the public POST /api/v1/appeals and decisions.
Response post_appeal(const Call& c);
Response list_appeals(const Call& c);
Response decide_appeal(const Call& c);

// admin_insight.cpp: reputation, live stats, watch list, match-wait heatmap, audit log.
Response reputation(const Call& c);
Response stats(const Call& c);
Response watchlist(const Call& c);
Response match_wait(const Call& c);
Response audit(const Call& c);
Response audit_verify(const Call& c);

}  // namespace serendip::http::admin

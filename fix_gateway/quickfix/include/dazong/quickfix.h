// The one place QuickFIX is included. Debian's QuickFIX 1.15.1 headers declare dynamic
// exception specifications (`throw(X)`), which C++17 and later reject. The standard headers
// they use are included first; then `throw(...)` is defined away for the QuickFIX headers
// only (a `throw expr;` statement is not followed by '(' and is unaffected) and undefined
// again. The library was built with std::auto_ptr: never define HAVE_STD_UNIQUE_PTR.
// Only FIX adapters (fix_gateway/src, tools/fix_client, bench) include this file, through the
// dazong_quickfix target; QuickFIX types never appear in a public header.
#pragma once

#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#define throw(...)
#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Log.h>
#include <quickfix/MessageStore.h>
#include <quickfix/NullStore.h>
#include <quickfix/MessageCracker.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/ThreadedSocketAcceptor.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/Logon.h>
#include <quickfix/fix44/NewOrderSingle.h>
#include <quickfix/fix44/OrderCancelReject.h>
#include <quickfix/fix44/OrderCancelReplaceRequest.h>
#include <quickfix/fix44/OrderCancelRequest.h>
#include <quickfix/fix44/OrderMassCancelReport.h>
#include <quickfix/fix44/OrderMassCancelRequest.h>
#undef throw
#pragma GCC diagnostic pop

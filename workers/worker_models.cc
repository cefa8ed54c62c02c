// The one place that maps a worker class to its model. A new model adds its case here.
#include "workers/worker_context.h"

namespace wpm {

WorkerModel worker_model(WorkerClass worker_class) {
  switch (worker_class) {
    case WorkerClass::sync:
      return run_sync_worker;
    case WorkerClass::thread:
      return run_thread_worker;
    case WorkerClass::eventlet:
      return run_eventlet_worker;
    case WorkerClass::gevent:
      return run_gevent_worker;
  }
  return nullptr;
}

}  // namespace wpm

//! Threads and runtimes: one client shared by many threads, streams that
//! move and outlive their client, and a typed refusal (never a deadlock or
//! a panic) inside an async runtime.

use agntz_client::blocking::{AgentStream, AgntzClient, Iter};
use agntz_client::{BlockingErrorKind, Error, RunRequest, StreamEvent, Transport};

use crate::harness::Harness;

fn assert_shareable<C: Send + Sync + Clone + 'static>() {}
fn assert_sendable<S: Send + 'static>() {}

#[test]
fn clients_and_streams_can_cross_threads() {
    assert_shareable::<AgntzClient>();
    assert_shareable::<AgntzClient<agntz_client::transport::HyperTransport>>();
    assert_sendable::<AgentStream>();
    assert_sendable::<Iter<agntz_client::RunStream<agntz_client::ReqwestTransport>>>();
}

fn is_refusal(err: &Error) -> bool {
    matches!(err, Error::Blocking(b) if b.kind == BlockingErrorKind::InsideAsyncRuntime)
}

pub fn calls_inside_an_async_runtime_are_a_typed_error<T: Transport>(h: Harness<T>) {
    // A stream opened outside, then read inside.
    let mut stream = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("opened outside"))
        .expect("open stream");
    let sent = h.worker.requests().len();

    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    current.block_on(async {
        let err = h.client.health().expect_err("refused");
        assert!(is_refusal(&err), "{err:?}");
        assert!(err.to_string().contains("inside an async runtime"), "{err}");
        let err = h
            .client
            .agents()
            .run(RunRequest::new("echo").input("x"))
            .expect_err("refused");
        assert!(is_refusal(&err), "{err:?}");
        let err = h.client.runs().stream("run_x").expect_err("refused");
        assert!(is_refusal(&err), "{err:?}");
        let first = stream.next().expect("one item").expect_err("refused");
        assert!(is_refusal(&first), "{first:?}");
        assert!(stream.next().is_none(), "then the iterator ends");
        let err = h
            .client
            .runs()
            .list_all(agntz_client::RunFilter::new())
            .next()
            .expect("one item")
            .expect_err("refused");
        assert!(is_refusal(&err), "{err:?}");
    });

    // In a task of a multi-thread runtime, in `spawn_blocking`, and on a
    // thread that entered a runtime's context.
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let client = h.client.clone();
    let in_task = multi
        .block_on(multi.spawn(async move { client.health() }))
        .expect("task");
    assert!(is_refusal(&in_task.expect_err("refused")));
    let client = h.client.clone();
    let in_spawn_blocking = multi
        .block_on(multi.spawn_blocking(move || client.health()))
        .expect("task");
    assert!(is_refusal(&in_spawn_blocking.expect_err("refused")));
    {
        let _context = multi.enter();
        assert!(is_refusal(&h.client.health().expect_err("refused")));
        assert!(is_refusal(
            &h.client
                .block_on(async { 1 })
                .expect_err("block_on refuses too")
        ));
    }

    assert_eq!(h.worker.requests().len(), sent, "nothing was sent");
    // Outside again, the same client works.
    assert_eq!(h.client.health().expect("health").status, "ok");
}

pub fn one_client_serves_many_threads_at_once<T: Transport>(h: Harness<T>) {
    let client = &h.client;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|i| {
                let client = client.clone();
                scope.spawn(move || {
                    let ran = client
                        .agents()
                        .run(RunRequest::new("echo").input(format!("call {i}")))
                        .expect("run");
                    let streamed = client
                        .agents()
                        .stream(RunRequest::new("echo").input(format!("stream {i}")))
                        .expect("stream")
                        .into_result()
                        .expect("complete");
                    (ran.output, streamed.output)
                })
            })
            .collect();
        for (i, worker) in workers.into_iter().enumerate() {
            let (ran, streamed) = worker.join().expect("thread");
            assert_eq!(ran, format!("ECHO: call {i}"));
            assert_eq!(streamed, format!("ECHO: stream {i}"));
        }
    });
    // The same client by reference from several threads, without clones.
    std::thread::scope(|scope| {
        for i in 0..4 {
            scope.spawn(move || {
                let page = client
                    .runs()
                    .list(agntz_client::RunFilter::new().limit(1))
                    .expect("list");
                assert!(page.rows.len() <= 1, "{i}");
            });
        }
    });
}

pub fn streams_move_across_threads_and_outlive_the_client<T: Transport>(h: Harness<T>) {
    let client = h.client_from(h.builder());
    let mut stream = client
        .agents()
        .stream(RunRequest::new("echo").input(r#"REPLY:"one" then done"#))
        .expect("open stream");
    let first = stream.next().expect("start").expect("ok");
    assert!(matches!(first, StreamEvent::Start(_)), "{first:?}");
    drop(client);
    let rest = std::thread::spawn(move || stream.collect_all())
        .join()
        .expect("thread")
        .expect("the rest of the events");
    let names: Vec<_> = rest.iter().map(StreamEvent::event_name).collect();
    assert_eq!(names, ["reply", "run-complete"]);
}

pub fn build_and_drop_inside_an_async_runtime_do_not_panic<T: Transport>(h: Harness<T>) {
    // A stream whose client is gone holds the last reference to the
    // client's runtime.
    let client = h.client_from(h.builder());
    let stream = client
        .agents()
        .stream(RunRequest::new("echo").input("held"))
        .expect("open stream");
    drop(client);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let built = h.client_from(h.builder());
        let clone = built.clone();
        drop(built);
        drop(clone);
        drop(stream);
    });
    assert!(h.client.health().is_ok(), "other clients are unaffected");
}

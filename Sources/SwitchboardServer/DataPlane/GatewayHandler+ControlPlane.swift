import NIOCore
import NIOHTTP1
import SwitchboardControlPlane
import SwitchboardCore

extension GatewayHandler {
    /// Hands a control-plane request to ``ControlPlane`` off the event loop and answers when it is done.
    func dispatchControl() {
        guard let context = self.context, self.request != nil, let plane = self.runtime.controlPlane else { return }
        let head = self.request!.head
        let body = self.request!.body.map { Array(buffer: $0) } ?? []
        self.request!.body = nil
        let serial = self.request!.serial
        let method = head.method.rawValue
        let uri = head.uri
        var headers: [String: String] = [:]
        if let value = head.header("if-match") { headers["if-match"] = value }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        Task {
            let response = await plane.handle(method: method, uri: uri, headers: headers, body: body)
            handler.eventLoop.execute {
                let handler = handler.value
                guard handler.request?.serial == serial else { return }
                handler.send(
                    status: HTTPResponseStatus(statusCode: response.status),
                    contentType: response.contentType,
                    body: response.body,
                    headers: response.headers
                )
            }
        }
    }
}

def service_context(request, service):
    return None
